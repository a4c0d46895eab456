package collective

// foldFunc sets d[i] = s[0][i] op s[1][i] ... for i < n, with 1 to 4 sources,
// for the dtype and op it was made for. d may be one of the sources.
type foldFunc func(d uintptr, s []uintptr, n int)

// folds[dtype][op]; nil where the op is not defined for the dtype.
var folds [dtypeEnd][opEnd]foldFunc

func init() {
	withInts[int8](Int8)
	withInts[int16](Int16)
	withInts[int32](Int32)
	withInts[int64](Int64)
	withInts[uint8](Uint8)
	withInts[uint16](Uint16)
	withInts[uint32](Uint32)
	withInts[uint64](Uint64)
	withNumbers[float32](Float32)
	withNumbers[float64](Float64)
}

func withNumbers[T number](dt Dtype) {
	folds[dt][Sum] = foldOf(sum2[T], sum3[T], sum4[T])
	folds[dt][Prod] = foldOf(prod2[T], prod3[T], prod4[T])
	folds[dt][Min] = foldOf(min2[T], min3[T], min4[T])
	folds[dt][Max] = foldOf(max2[T], max3[T], max4[T])
}

func withInts[T integer](dt Dtype) {
	withNumbers[T](dt)
	folds[dt][And] = wordWise(dt.Size(), foldOf(and2[uint64], and3[uint64], and4[uint64]),
		foldOf(and2[uint8], and3[uint8], and4[uint8]))
	folds[dt][Or] = wordWise(dt.Size(), foldOf(or2[uint64], or3[uint64], or4[uint64]),
		foldOf(or2[uint8], or3[uint8], or4[uint8]))
	folds[dt][Xor] = wordWise(dt.Size(), foldOf(xor2[uint64], xor3[uint64], xor4[uint64]),
		foldOf(xor2[uint8], xor3[uint8], xor4[uint8]))
}

// wordWise runs a bitwise op, which does not care where elements begin, on
// 64-bit words and the last few bytes, whatever the element size: eight
// times fewer steps for bytes. The words need not be aligned (x86 and arm64
// load unaligned words at full speed; the Go runtime allows such pointers to
// pointer-free types).
func wordWise(es uintptr, words, bytes foldFunc) foldFunc {
	return func(d uintptr, s []uintptr, n int) {
		total := uintptr(n) * es
		w := total / 8
		words(d, s, int(w))
		if rest := total - w*8; rest > 0 {
			var tail [4]uintptr
			for i, a := range s {
				tail[i] = a + w*8
			}
			bytes(d+w*8, tail[:len(s)], int(rest))
		}
	}
}

// foldOf turns one op's typed loops into a foldFunc over addresses.
func foldOf[T any](k2 func(d, a, b []T), k3 func(d, a, b, c []T), k4 func(d, a, b, c, e []T)) foldFunc {
	return func(d uintptr, s []uintptr, n int) {
		dd := sliceAt[T](d, n)
		switch len(s) {
		case 1:
			copy(dd, sliceAt[T](s[0], n))
		case 2:
			k2(dd, sliceAt[T](s[0], n), sliceAt[T](s[1], n))
		case 3:
			k3(dd, sliceAt[T](s[0], n), sliceAt[T](s[1], n), sliceAt[T](s[2], n))
		default:
			k4(dd, sliceAt[T](s[0], n), sliceAt[T](s[1], n), sliceAt[T](s[2], n), sliceAt[T](s[3], n))
		}
	}
}

// combine sets dst[i] = srcs[0][i] op srcs[1][i] op ... for i < n, combining
// in rank order. With more than four sources the partial results go to tile
// (private, n elements) and only the last step writes dst, so dst may be one
// of the sources.
func combine(f foldFunc, dst, tile uintptr, srcs []uintptr, n int) {
	if len(srcs) <= 4 {
		f(dst, srcs, n)
		return
	}
	f(tile, srcs[:4], n)
	rest := srcs[4:]
	var group [4]uintptr
	group[0] = tile
	for len(rest) > 3 {
		copy(group[1:], rest[:3])
		f(tile, group[:], n)
		rest = rest[3:]
	}
	copy(group[1:], rest)
	f(dst, group[:1+len(rest)], n)
}
