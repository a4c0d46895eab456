package heap

import "sort"

// span is a free range [off, off+len) of the user heap.
type span struct{ off, len uintptr }

func (s span) end() uintptr { return s.off + s.len }

// freeList holds the free spans sorted by offset, never overlapping and never
// touching (touching spans are merged), so one span covers a fully free heap.
type freeList []span

// firstFit finds the lowest offset where n bytes aligned to align fit, and
// carves them out of the list.
func (l *freeList) firstFit(n, align uintptr) (uintptr, bool) {
	for i, s := range *l {
		start, ok := alignUp(s.off, align)
		if !ok || start >= s.end() || n > s.end()-start {
			continue
		}
		var rest []span
		if start > s.off {
			rest = append(rest, span{s.off, start - s.off})
		}
		if start+n < s.end() {
			rest = append(rest, span{start + n, s.end() - (start + n)})
		}
		*l = append((*l)[:i], append(rest, (*l)[i+1:]...)...)
		return start, true
	}
	return 0, false
}

// insert gives [off, off+n) back, merging it with the spans it touches.
func (l *freeList) insert(off, n uintptr) {
	spans := *l
	i := sort.Search(len(spans), func(i int) bool { return spans[i].off > off })
	mergePrev := i > 0 && spans[i-1].end() == off
	mergeNext := i < len(spans) && off+n == spans[i].off
	switch {
	case mergePrev && mergeNext:
		spans[i-1].len += n + spans[i].len
		spans = append(spans[:i], spans[i+1:]...)
	case mergePrev:
		spans[i-1].len += n
	case mergeNext:
		spans[i].off = off
		spans[i].len += n
	default:
		spans = append(spans, span{})
		copy(spans[i+1:], spans[i:])
		spans[i] = span{off, n}
	}
	*l = spans
}

// find returns the span containing off.
func (l freeList) find(off uintptr) (span, bool) {
	i := sort.Search(len(l), func(i int) bool { return l[i].end() > off })
	if i < len(l) && l[i].off <= off {
		return l[i], true
	}
	return span{}, false
}

// total is the number of free bytes; largest the longest span.
func (l freeList) total() (total, largest uintptr) {
	for _, s := range l {
		total += s.len
		largest = max(largest, s.len)
	}
	return total, largest
}
