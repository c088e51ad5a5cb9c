package organizations

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"sync/atomic"

	"github.com/google/uuid"
)

// lfTable is a hash table of *V keyed by K that any number of goroutines read without
// locks while one writer at a time (the caller serialises writers) changes it. Its slots
// come in groups of eight, each with a word of eight tag bytes (0: empty, lfTomb:
// deleted, else 0x80 and the top seven bits of the key's hash), as in Go's own maps: a
// probe compares the tags of a group at once and follows a pointer only when the tag
// matches, and goes on to the next group only while the group has no empty slot. Every
// tag word and slot is an atomic: an insertion stores the pointer, then its tag; a
// deletion marks the tag deleted, then clears the pointer; growing builds a whole new
// array and publishes it with one atomic store, after which the old array is never
// written. So a lookup sees every slot it probes either before or after each change, and
// finds a key present throughout its probe (a single-key lookup is linearizable); readers
// that need several values to agree validate a sequence number (see MemoryStore). At most
// seven eighths of the slots are ever used, so every probe ends. The zero lfTable is
// empty.
type lfTable[K comparable, V any] struct {
	groups     atomic.Pointer[[]lfGroup[V]]
	live, used int32 // entries, and entries plus deleted slots; writer only
}

// lfGroup is eight slots and their tags.
type lfGroup[V any] struct {
	tags  atomic.Uint64
	slots [8]atomic.Pointer[V]
}

// lfSpec tells an lfTable how to hash K and find the key of a V.
type lfSpec[K comparable, V any] struct {
	hash func(K) uint64
	key  func(*V) K
}

const (
	lfTomb = 0x01 // the tag of a deleted slot
	lfLSB  = 0x0101010101010101
	lfMSB  = 0x8080808080808080
)

// lfTag is the tag of a key with hash h.
func lfTag(h uint64) byte { return byte(h>>57) | 0x80 }

// lfMatch flags the bytes of w equal to b. The lowest flagged byte is always a true
// match; higher ones may be false (a key comparison follows).
func lfMatch(w uint64, b byte) uint64 {
	x := w ^ (lfLSB * uint64(b))
	return (x - lfLSB) &^ x & lfMSB
}

// setTag sets the tag of slot j of g.
func (g *lfGroup[V]) setTag(j int, b byte) {
	w := g.tags.Load()
	g.tags.Store(w&^(0xff<<(8*j)) | uint64(b)<<(8*j))
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

// lfMinSlots is the size of a table's first slot array: one group.
const lfMinSlots = 8

// lfFull reports whether a slot array of n slots, used of them taken, has no room for one
// more entry.
func lfFull(used, n int) bool { return (used+1)*8 > n*7 }

// lfSlotsFor is the size of a slot array with room for live entries.
func lfSlotsFor(live int) int {
	n := lfMinSlots
	for lfFull(live, n) {
		n *= 2
	}
	return n
}

// find returns the group and slot of the entry with key k, or nil.
func (t *lfTable[K, V]) find(sp *lfSpec[K, V], k K) (*lfGroup[V], int, *V) {
	p := t.groups.Load()
	if p == nil {
		return nil, 0, nil
	}
	gs := *p
	mask := uint64(len(gs) - 1)
	h := sp.hash(k)
	tag := lfTag(h)
	for i := h & mask; ; i = (i + 1) & mask {
		g := &gs[i]
		w := g.tags.Load()
		for m := lfMatch(w, tag); m != 0; m &= m - 1 {
			j := bits.TrailingZeros64(m) >> 3
			if v := g.slots[j].Load(); v != nil && sp.key(v) == k {
				return g, j, v
			}
		}
		if lfMatch(w, 0) != 0 {
			return nil, 0, nil
		}
	}
}

// get returns the entry with key k, or nil. It takes no lock.
func (t *lfTable[K, V]) get(sp *lfSpec[K, V], k K) *V {
	_, _, v := t.find(sp, k)
	return v
}

// put stores v under its key, replacing the entry with that key if there is one. The
// caller is the only writer.
func (t *lfTable[K, V]) put(sp *lfSpec[K, V], v *V) {
	k := sp.key(v)
	if g, j, cur := t.find(sp, k); cur != nil {
		g.slots[j].Store(v)
		return
	}
	p := t.groups.Load()
	if p == nil || lfFull(int(t.used), len(*p)*8) {
		t.rebuild(sp, int(t.live)+1)
		p = t.groups.Load()
	}
	gs := *p
	mask := uint64(len(gs) - 1)
	h := sp.hash(k)
	for i := h & mask; ; i = (i + 1) & mask {
		g := &gs[i]
		w := g.tags.Load()
		m := lfMatch(w, lfTomb)
		if m == 0 {
			if m = lfMatch(w, 0); m != 0 {
				t.used++
			}
		}
		if m != 0 {
			j := bits.TrailingZeros64(m) >> 3 // the lowest flagged byte is a true match
			g.slots[j].Store(v)
			g.setTag(j, lfTag(h))
			t.live++
			return
		}
	}
}

// del removes the entry with key k and returns it, or nil. The caller is the only writer.
func (t *lfTable[K, V]) del(sp *lfSpec[K, V], k K) *V {
	g, j, v := t.find(sp, k)
	if v == nil {
		return nil
	}
	g.setTag(j, lfTomb)
	g.slots[j].Store(nil)
	t.live--
	if t.live == 0 {
		t.groups.Store(nil)
		t.used = 0
	} else if int(t.used) > 2*int(t.live)+lfMinSlots {
		t.rebuild(sp, int(t.live)) // mostly deleted slots: shrink
	}
	return v
}

// rebuild publishes a new slot array holding the live entries, with room for live of
// them. The caller is the only writer.
func (t *lfTable[K, V]) rebuild(sp *lfSpec[K, V], live int) {
	gs := make([]lfGroup[V], lfSlotsFor(live)/8)
	mask := uint64(len(gs) - 1)
	t.each(func(v *V) {
		h := sp.hash(sp.key(v))
		for i := h & mask; ; i = (i + 1) & mask {
			g := &gs[i]
			if m := lfMatch(g.tags.Load(), 0); m != 0 {
				j := bits.TrailingZeros64(m) >> 3
				g.slots[j].Store(v)
				g.setTag(j, lfTag(h))
				break
			}
		}
	})
	t.used = t.live
	t.groups.Store(&gs)
}

// each calls f for every entry, in no order. The caller excludes writers.
func (t *lfTable[K, V]) each(f func(*V)) {
	p := t.groups.Load()
	if p == nil {
		return
	}
	for i := range *p {
		g := &(*p)[i]
		w := g.tags.Load()
		for j := range 8 {
			if byte(w>>(8*j))&0x80 != 0 {
				if v := g.slots[j].Load(); v != nil {
					f(v)
				}
			}
		}
	}
}
