package pgcatalog

import "testing"

// Every relation needs its own OID: clients key metadata caches and regclass
// lookups on it.
func TestVirtualRelationOIDsUnique(t *testing.T) {
	seen := map[int64]string{}
	for _, v := range newRelationSet().all {
		if other, dup := seen[v.oid]; dup {
			t.Errorf("%s and %s share OID %d", v.name, other, v.oid)
		}
		if v.oid >= firstUserOID {
			t.Errorf("%s has OID %d, in the user range", v.name, v.oid)
		}
		seen[v.oid] = v.name
	}
}
