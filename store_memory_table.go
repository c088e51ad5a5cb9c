package organizations

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"sync/atomic"

	"github.com/google/uuid"
)

// lfTable is a hash table of *V keyed by K (open addressing, linear probing) that any
// number of goroutines read without locks while one writer at a time (the caller
// serialises writers) changes it. Every slot is an atomic pointer: an insertion stores
// into an empty or deleted slot, a deletion stores the spec's tombstone, and growing builds
// a whole new slot array and publishes it with one atomic store, after which the old array
// is never written. So a lookup sees every slot it probes either before or after each
// change, and finds a key present throughout its probe (a single-key lookup is
// linearizable); readers that need several values to agree validate a sequence number
// (see MemoryStore). At most three quarters of the slots are ever used, so every probe
// ends at an empty slot. The zero lfTable is empty.
type lfTable[K comparable, V any] struct {
	slots      atomic.Pointer[[]atomic.Pointer[V]]
	live, used int32 // entries, and entries plus tombstones; writer only
}

// lfSpec tells an lfTable how to hash K, find the key of a V, and mark a deleted slot.
type lfSpec[K comparable, V any] struct {
	hash func(K) uint64
	key  func(*V) K
	tomb *V // never an entry
}

// tableSeed seeds the tables' hashes, so that keys chosen by a client cannot be made to
// collide.
var tableSeed = maphash.MakeSeed()

// uuidSeed keys hashUUID, drawn from tableSeed.
var uuidSeed = [2]uint64{maphash.String(tableSeed, "uuid-0"), maphash.String(tableSeed, "uuid-1")}

func hashString(s string) uint64 { return maphash.String(tableSeed, s) }
func hashUserID(u UserID) uint64 { return maphash.String(tableSeed, string(u)) }

// hashUUID is a keyed hash of id (one 128-bit multiply, as in wyhash): cheaper than
// maphash on 16 bytes, and still not predictable without the seed.
func hashUUID(id uuid.UUID) uint64 {
	hi, lo := bits.Mul64(binary.LittleEndian.Uint64(id[:8])^uuidSeed[0], binary.LittleEndian.Uint64(id[8:])^uuidSeed[1])
	return hi ^ lo
}

// lfMinSlots is the size of a table's first slot array.
const lfMinSlots = 4

// lfFull reports whether a slot array of n slots, used of them taken, has no room for one
// more entry.
func lfFull(used, n int) bool { return (used+1)*4 > n*3 }

// lfSlotsFor is the size of a slot array with room for live entries.
func lfSlotsFor(live int) int {
	n := lfMinSlots
	for lfFull(live, n) {
		n *= 2
	}
	return n
}

// get returns the entry with key k, or nil. It takes no lock.
func (t *lfTable[K, V]) get(sp *lfSpec[K, V], k K) *V {
	p := t.slots.Load()
	if p == nil {
		return nil
	}
	s := *p
	mask := uint64(len(s) - 1)
	for i := sp.hash(k) & mask; ; i = (i + 1) & mask {
		v := s[i].Load()
		if v == nil {
			return nil
		}
		if v != sp.tomb && sp.key(v) == k {
			return v
		}
	}
}

// put stores v under its key, replacing the entry with that key if there is one. The
// caller is the only writer.
func (t *lfTable[K, V]) put(sp *lfSpec[K, V], v *V) {
	k := sp.key(v)
	if p := t.slots.Load(); p != nil {
		s := *p
		mask := uint64(len(s) - 1)
		free := -1
		for i := sp.hash(k) & mask; ; i = (i + 1) & mask {
			cur := s[i].Load()
			if cur == nil {
				if free < 0 {
					if lfFull(int(t.used), len(s)) {
						break // grow below
					}
					free = int(i)
					t.used++
				}
				s[free].Store(v)
				t.live++
				return
			}
			if cur == sp.tomb {
				if free < 0 {
					free = int(i)
				}
				continue
			}
			if sp.key(cur) == k {
				s[i].Store(v)
				return
			}
		}
	}
	t.rebuild(sp, int(t.live)+1)
	t.put(sp, v)
}

// del removes the entry with key k and returns it, or nil. The caller is the only writer.
func (t *lfTable[K, V]) del(sp *lfSpec[K, V], k K) *V {
	p := t.slots.Load()
	if p == nil {
		return nil
	}
	s := *p
	mask := uint64(len(s) - 1)
	for i := sp.hash(k) & mask; ; i = (i + 1) & mask {
		v := s[i].Load()
		if v == nil {
			return nil
		}
		if v != sp.tomb && sp.key(v) == k {
			s[i].Store(sp.tomb)
			t.live--
			if t.live == 0 {
				t.slots.Store(nil)
				t.used = 0
			} else if int(t.used) > 2*int(t.live)+lfMinSlots {
				t.rebuild(sp, int(t.live)) // mostly tombstones: shrink
			}
			return v
		}
	}
}

// rebuild publishes a new slot array holding the live entries, with room for live of
// them. The caller is the only writer.
func (t *lfTable[K, V]) rebuild(sp *lfSpec[K, V], live int) {
	s := make([]atomic.Pointer[V], lfSlotsFor(live))
	mask := uint64(len(s) - 1)
	if p := t.slots.Load(); p != nil {
		for j := range *p {
			v := (*p)[j].Load()
			if v == nil || v == sp.tomb {
				continue
			}
			i := sp.hash(sp.key(v)) & mask
			for s[i].Load() != nil {
				i = (i + 1) & mask
			}
			s[i].Store(v)
		}
	}
	t.used = t.live
	t.slots.Store(&s)
}

// each calls f for every entry, in no order. The caller excludes writers.
func (t *lfTable[K, V]) each(sp *lfSpec[K, V], f func(*V)) {
	if p := t.slots.Load(); p != nil {
		for j := range *p {
			if v := (*p)[j].Load(); v != nil && v != sp.tomb {
				f(v)
			}
		}
	}
}
