package api

import (
	"strings"
	"testing"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeUniqueID(t *testing.T) {
	key := strings.Repeat("ab", 16)
	ipPort, got, err := decodeUniqueID("shmem-uid-2:tcp://10.0.0.1:2000#" + key + strings.Repeat("\x00", 40))
	require.NoError(t, err)
	assert.Equal(t, "tcp://10.0.0.1:2000", ipPort)
	assert.Equal(t, key, got)
	ipPort, got, err = decodeUniqueID("shmem-uid-1:tcp6://[::1]:2000")
	require.NoError(t, err)
	assert.Equal(t, "tcp6://[::1]:2000", ipPort)
	assert.Empty(t, got)
	for _, bad := range []string{"", "nonsense", "shmem-uid-2:tcp://h:2000", "shmem-uid-2:tcp://h:2000#xyz",
		"shmem-uid-2:tcp://h:80#" + key, "shmem-uid-1:tcp://h:2000\x00x", strings.Repeat("a", 129)} {
		_, _, err := decodeUniqueID(bad)
		assert.Equal(t, errcode.InvalidValue, errcode.CodeOf(err), "%q: %v", bad, err)
	}
}

// FuzzDecodeUniqueID: any bytes are an id with a valid address and key, or
// InvalidValue.
func FuzzDecodeUniqueID(f *testing.F) {
	f.Add("shmem-uid-2:tcp://10.0.0.1:2000#" + strings.Repeat("0f", 16))
	f.Add("shmem-uid-1:tcp6://[::1]:2000\x00\x00")
	f.Add("shmem-uid-2:#")
	f.Fuzz(func(t *testing.T, uid string) {
		ipPort, key, err := decodeUniqueID(uid)
		if err != nil {
			if errcode.CodeOf(err) != errcode.InvalidValue {
				t.Fatalf("%q: %v", uid, err)
			}
			return
		}
		if _, err := ParseIPPort(ipPort); err != nil {
			t.Fatalf("%q gave the address %q: %v", uid, ipPort, err)
		}
		if strings.HasPrefix(uid, uniqueIDPrefix+"2:") && len(key) < 32 {
			t.Fatalf("%q gave the key %q", uid, key)
		}
	})
}
