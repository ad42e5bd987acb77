package scheduling

// reqSet is an interned conjunction of requirements. Pods of one shape, and NodeClaims built
// from them, share a handful of distinct requirement sets; numbering them lets merges and
// compatibility checks be computed once and looked up by id afterwards.
type reqSet struct {
	id int32
	r  reqs
}

type reqInterner struct {
	byCanon map[string]*reqSet
	merges  map[[2]int32]*reqSet
}

func newReqInterner() *reqInterner {
	return &reqInterner{byCanon: map[string]*reqSet{}, merges: map[[2]int32]*reqSet{}}
}

func (in *reqInterner) intern(r reqs) *reqSet {
	c := r.canon()
	if s, ok := in.byCanon[c]; ok {
		return s
	}
	s := &reqSet{id: int32(len(in.byCanon)), r: r}
	in.byCanon[c] = s
	return s
}

func (in *reqInterner) merge(a, b *reqSet) *reqSet {
	if a.id == b.id || len(b.r) == 0 {
		return a
	}
	if len(a.r) == 0 {
		return b
	}
	k := [2]int32{a.id, b.id}
	if s, ok := in.merges[k]; ok {
		return s
	}
	s := in.intern(a.r.merge(b.r))
	in.merges[k] = s
	return s
}
