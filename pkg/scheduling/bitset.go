package scheduling

import "math/bits"

// bitset is a dense set of small non-negative integers. Instance types and topology domains are
// numbered densely per solve, so set algebra over them is a handful of word operations instead of
// map walks, which is what keeps the packing loop cheap.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) has(i int) bool {
	w := i >> 6
	return w < len(b) && b[w]&(1<<(uint(i)&63)) != 0
}

// set grows the set when needed, so callers must keep the returned value.
func (b bitset) set(i int) bitset {
	w := i >> 6
	for len(b) <= w {
		b = append(b, 0)
	}
	b[w] |= 1 << (uint(i) & 63)
	return b
}

func (b bitset) clear(i int) {
	w := i >> 6
	if w < len(b) {
		b[w] &^= 1 << (uint(i) & 63)
	}
}

// and returns the intersection in a new set.
func (b bitset) and(o bitset) bitset {
	n := min(len(b), len(o))
	out := make(bitset, n)
	for i := 0; i < n; i++ {
		out[i] = b[i] & o[i]
	}
	return out
}

func (b bitset) intersects(o bitset) bool {
	n := min(len(b), len(o))
	for i := 0; i < n; i++ {
		if b[i]&o[i] != 0 {
			return true
		}
	}
	return false
}

func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// first returns the smallest member, or -1.
func (b bitset) first() int {
	for i, w := range b {
		if w != 0 {
			return i*64 + bits.TrailingZeros64(w)
		}
	}
	return -1
}

// each calls fn for every member in ascending order until fn returns false.
func (b bitset) each(fn func(int) bool) {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if !fn(i*64 + t) {
				return
			}
			w &= w - 1
		}
	}
}

// eachDesc is each in descending order. Instance types are numbered by price, so the largest
// (most likely to fit) come last; walking down finds a fit quickly.
func (b bitset) eachDesc(fn func(int) bool) {
	for i := len(b) - 1; i >= 0; i-- {
		w := b[i]
		for w != 0 {
			t := 63 - bits.LeadingZeros64(w)
			if !fn(i*64 + t) {
				return
			}
			w &^= 1 << uint(t)
		}
	}
}
