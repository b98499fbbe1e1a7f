package audit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/audit"
)

func chainOf(c audit.Chain, n int) []audit.Entry {
	head := audit.EmptyHead
	var out []audit.Entry
	for i := range n {
		e := c.Link(head, audit.Entry{At: time.Date(2026, 1, 2, 3, 4, 5, i*1000, time.UTC), Actor: "a", Action: "x", Detail: "{}"})
		head = audit.Head{Seq: e.Seq, Hash: e.Hash}
		out = append(out, e)
	}
	return out
}

// REQ AUD-3: field boundaries are part of the hash, so moving text from one
// field to the next changes it.
func TestChain_HashIsUnambiguous(t *testing.T) {
	c := audit.Chain{Key: []byte("k")}
	a := audit.Entry{Seq: 1, Actor: "ab", ActingFor: "c", Action: "x"}
	b := audit.Entry{Seq: 1, Actor: "a", ActingFor: "bc", Action: "x"}
	if c.Hash(audit.Genesis, a) == c.Hash(audit.Genesis, b) {
		t.Fatal("entries differing only in field boundaries hash the same")
	}
	if c.Hash(audit.Genesis, a) == (audit.Chain{Key: []byte("other")}).Hash(audit.Genesis, a) {
		t.Fatal("the key does not affect the hash")
	}
	if c.Hash(audit.Genesis, a) != c.Hash(audit.Genesis, a) {
		t.Fatal("hash is not deterministic")
	}
}

// REQ AUD-3: the verifier accepts a good chain and names the first bad entry.
func TestVerifier(t *testing.T) {
	c := audit.Chain{Key: []byte("k")}
	good := chainOf(c, 5)
	head := audit.Head{Seq: 5, Hash: good[4].Hash}
	verify := func(es []audit.Entry, h audit.Head) error {
		v := audit.NewVerifier(c)
		for _, e := range es {
			if err := v.Check(e); err != nil {
				return err
			}
		}
		return v.Finish(h)
	}
	if err := verify(good, head); err != nil {
		t.Fatalf("good chain: %v", err)
	}
	altered := append([]audit.Entry(nil), good...)
	altered[2].Detail = `{"x":1}`
	dup := append(append([]audit.Entry(nil), good[:3]...), good[2:]...)
	for _, tc := range []struct {
		name    string
		entries []audit.Entry
		head    audit.Head
		wantSeq int64
	}{
		{"altered", altered, head, 3},
		{"missing", append(append([]audit.Entry(nil), good[:1]...), good[2:]...), head, 2},
		{"duplicated", dup, head, 3},
		{"truncated", good[:3], head, 4},
		{"wrong key", chainOf(audit.Chain{Key: []byte("x")}, 5), head, 1},
	} {
		err := verify(tc.entries, tc.head)
		var be *audit.BreakError
		if !errors.As(err, &be) || be.Seq != tc.wantSeq {
			t.Errorf("%s: %v; want a break at %d", tc.name, err, tc.wantSeq)
		}
	}
}
