package collective

// Dtype is the element type of a reduction. The values cross the API as
// plain ints; the Python facade maps NumPy dtypes onto them.
type Dtype int

// The element types. 0 is no type, so an unset value is refused.
const (
	Int8 Dtype = iota + 1
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	Float32
	Float64
	dtypeEnd
)

var dtypeNames = [dtypeEnd]string{"", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
	"float32", "float64"}

var dtypeSizes = [dtypeEnd]uintptr{0, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8}

func (d Dtype) valid() bool { return d > 0 && d < dtypeEnd }

// Size is the element size in bytes (0 for an invalid dtype).
func (d Dtype) Size() uintptr {
	if !d.valid() {
		return 0
	}
	return dtypeSizes[d]
}

func (d Dtype) String() string {
	if !d.valid() {
		return "invalid dtype"
	}
	return dtypeNames[d]
}

// Op is a reduction operator.
type Op int

// The operators, in OpenSHMEM's order.
const (
	Sum Op = iota
	Prod
	Min
	Max
	And
	Or
	Xor
	opEnd
)

var opNames = [opEnd]string{"sum", "prod", "min", "max", "and", "or", "xor"}

func (o Op) valid() bool { return o >= 0 && o < opEnd }

func (o Op) String() string {
	if !o.valid() {
		return "invalid op"
	}
	return opNames[o]
}
