package scheduling

// keyDomains numbers the values of one topology key (zones, hostnames, capacity types...), so
// topology counts are slices indexed by domain and sets of domains are bitsets.
type keyDomains struct {
	key   string
	id    int
	ids   map[string]int32
	names []string
}

func (k *keyDomains) intern(v string) int32 {
	if i, ok := k.ids[v]; ok {
		return i
	}
	i := int32(len(k.names))
	k.ids[v] = i
	k.names = append(k.names, v)
	return i
}

// allowed returns the known domains r admits.
func (k *keyDomains) allowed(r *req) bitset {
	b := newBitset(len(k.names))
	for i, n := range k.names {
		if r == nil || r.has(n) {
			b = b.set(i)
		}
	}
	return b
}

func (k *keyDomains) namesOf(b bitset) []string {
	var out []string
	b.each(func(i int) bool {
		if i < len(k.names) {
			out = append(out, k.names[i])
		}
		return true
	})
	return out
}

type domainRegistry struct {
	byKey map[string]*keyDomains
	keys  []*keyDomains
}

func newDomainRegistry() *domainRegistry { return &domainRegistry{byKey: map[string]*keyDomains{}} }

func (d *domainRegistry) forKey(key string) *keyDomains {
	if k, ok := d.byKey[key]; ok {
		return k
	}
	k := &keyDomains{key: key, id: len(d.keys), ids: map[string]int32{}}
	d.byKey[key] = k
	d.keys = append(d.keys, k)
	return k
}
