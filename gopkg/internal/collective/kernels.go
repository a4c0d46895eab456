package collective

// The element loops: d[i] = a[i] op b[i] (op c[i] (op e[i])), combined left
// to right. d may be any of the sources (the same index is read before it is
// written); the sources must not overlap d otherwise. Re-slicing every source
// to len(d) lets the compiler drop the bounds checks inside the loops.

func sum2[T number](d, a, b []T) {
	a, b = a[:len(d)], b[:len(d)]
	for i := range d {
		d[i] = a[i] + b[i]
	}
}

func sum3[T number](d, a, b, c []T) {
	a, b, c = a[:len(d)], b[:len(d)], c[:len(d)]
	for i := range d {
		d[i] = (a[i] + b[i]) + c[i]
	}
}

func sum4[T number](d, a, b, c, e []T) {
	a, b, c, e = a[:len(d)], b[:len(d)], c[:len(d)], e[:len(d)]
	for i := range d {
		d[i] = ((a[i] + b[i]) + c[i]) + e[i]
	}
}

func prod2[T number](d, a, b []T) {
	a, b = a[:len(d)], b[:len(d)]
	for i := range d {
		d[i] = a[i] * b[i]
	}
}

func prod3[T number](d, a, b, c []T) {
	a, b, c = a[:len(d)], b[:len(d)], c[:len(d)]
	for i := range d {
		d[i] = (a[i] * b[i]) * c[i]
	}
}

func prod4[T number](d, a, b, c, e []T) {
	a, b, c, e = a[:len(d)], b[:len(d)], c[:len(d)], e[:len(d)]
	for i := range d {
		d[i] = ((a[i] * b[i]) * c[i]) * e[i]
	}
}

func min2[T number](d, a, b []T) {
	a, b = a[:len(d)], b[:len(d)]
	for i := range d {
		d[i] = min(a[i], b[i])
	}
}

func min3[T number](d, a, b, c []T) {
	a, b, c = a[:len(d)], b[:len(d)], c[:len(d)]
	for i := range d {
		d[i] = min(min(a[i], b[i]), c[i])
	}
}

func min4[T number](d, a, b, c, e []T) {
	a, b, c, e = a[:len(d)], b[:len(d)], c[:len(d)], e[:len(d)]
	for i := range d {
		d[i] = min(min(min(a[i], b[i]), c[i]), e[i])
	}
}

func max2[T number](d, a, b []T) {
	a, b = a[:len(d)], b[:len(d)]
	for i := range d {
		d[i] = max(a[i], b[i])
	}
}

func max3[T number](d, a, b, c []T) {
	a, b, c = a[:len(d)], b[:len(d)], c[:len(d)]
	for i := range d {
		d[i] = max(max(a[i], b[i]), c[i])
	}
}

func max4[T number](d, a, b, c, e []T) {
	a, b, c, e = a[:len(d)], b[:len(d)], c[:len(d)], e[:len(d)]
	for i := range d {
		d[i] = max(max(max(a[i], b[i]), c[i]), e[i])
	}
}

func and2[T integer](d, a, b []T) {
	a, b = a[:len(d)], b[:len(d)]
	for i := range d {
		d[i] = a[i] & b[i]
	}
}

func and3[T integer](d, a, b, c []T) {
	a, b, c = a[:len(d)], b[:len(d)], c[:len(d)]
	for i := range d {
		d[i] = (a[i] & b[i]) & c[i]
	}
}

func and4[T integer](d, a, b, c, e []T) {
	a, b, c, e = a[:len(d)], b[:len(d)], c[:len(d)], e[:len(d)]
	for i := range d {
		d[i] = ((a[i] & b[i]) & c[i]) & e[i]
	}
}

func or2[T integer](d, a, b []T) {
	a, b = a[:len(d)], b[:len(d)]
	for i := range d {
		d[i] = a[i] | b[i]
	}
}

func or3[T integer](d, a, b, c []T) {
	a, b, c = a[:len(d)], b[:len(d)], c[:len(d)]
	for i := range d {
		d[i] = (a[i] | b[i]) | c[i]
	}
}

func or4[T integer](d, a, b, c, e []T) {
	a, b, c, e = a[:len(d)], b[:len(d)], c[:len(d)], e[:len(d)]
	for i := range d {
		d[i] = ((a[i] | b[i]) | c[i]) | e[i]
	}
}

func xor2[T integer](d, a, b []T) {
	a, b = a[:len(d)], b[:len(d)]
	for i := range d {
		d[i] = a[i] ^ b[i]
	}
}

func xor3[T integer](d, a, b, c []T) {
	a, b, c = a[:len(d)], b[:len(d)], c[:len(d)]
	for i := range d {
		d[i] = (a[i] ^ b[i]) ^ c[i]
	}
}

func xor4[T integer](d, a, b, c, e []T) {
	a, b, c, e = a[:len(d)], b[:len(d)], c[:len(d)], e[:len(d)]
	for i := range d {
		d[i] = ((a[i] ^ b[i]) ^ c[i]) ^ e[i]
	}
}
