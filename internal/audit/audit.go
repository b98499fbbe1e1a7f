// Package audit defines the tamper-evident audit trail (AUD-1, AUD-3).
//
// Every read and write of a person's data appends an Entry. Entries form one
// chain: each carries the hash of the previous entry and its own hash over
// its content and that link, so altering, deleting or inserting an entry
// anywhere breaks the chain from that point on. The hash is an HMAC keyed
// with a secret kept outside the database when one is configured: then even
// someone able to rewrite the whole table cannot forge a consistent chain.
// The chain head (last sequence number and hash) is also kept in its own
// row, so removing entries from the end is detected too.
package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sportello/sportello/internal/apperr"
)

// Genesis is the previous-hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one audited action.
type Entry struct {
	Seq       int64     // position in the chain, from 1, without gaps
	At        time.Time // UTC, microsecond precision
	Actor     string    // who acted, e.g. "doctor:42"
	ActingFor string    // on whose behalf, e.g. "citizen:RSSMRA80A01H501U"; may be empty
	Channel   string    // web, api, contact_centre, office, system
	Action    string    // e.g. "registration.create", "person.read"
	Subject   string    // what was touched, e.g. "registration:17"
	Detail    string    // JSON with anything else worth keeping
	PrevHash  string    // hex hash of entry Seq-1, Genesis for the first
	Hash      string    // hex hash of this entry
}

// Validate checks what a caller must supply, and that every field can be
// stored and hashed identically on both engines: valid UTF-8 without NUL
// bytes, and a JSON detail.
func (e Entry) Validate() error {
	fields := map[string]string{}
	if e.Actor == "" {
		fields["actor"] = "Indicare chi agisce."
	}
	if e.Action == "" {
		fields["action"] = "Indicare l'azione."
	}
	for name, v := range map[string]string{"actor": e.Actor, "acting_for": e.ActingFor, "channel": e.Channel,
		"action": e.Action, "subject": e.Subject, "detail": e.Detail} {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			fields[name] = "Testo non valido (caratteri non ammessi)."
		}
	}
	if e.Detail != "" && !json.Valid([]byte(e.Detail)) {
		fields["detail"] = "Il dettaglio deve essere JSON valido."
	}
	if len(fields) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "Voce di audit incompleta.", Fields: fields}
	}
	return nil
}

// Chain computes entry hashes. The zero Chain uses an empty key: the chain
// still detects any change that is not a complete, consistent rewrite.
type Chain struct {
	Key []byte
}

// Hash returns the hex hash of e linked to prev. It covers every field but
// Hash itself, each length-prefixed so that no two different entries encode
// the same way.
func (c Chain) Hash(prev string, e Entry) string {
	m := hmac.New(sha256.New, c.Key)
	var buf [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(s)))
		m.Write(buf[:])
		m.Write([]byte(s))
	}
	put("sportello-audit-v1")
	put(prev)
	put(strconv.FormatInt(e.Seq, 10))
	put(e.At.UTC().Format(time.RFC3339Nano))
	put(e.Actor)
	put(e.ActingFor)
	put(e.Channel)
	put(e.Action)
	put(e.Subject)
	put(e.Detail)
	return hex.EncodeToString(m.Sum(nil))
}

// Link fills e.Seq, e.PrevHash and e.Hash to append e after the head.
func (c Chain) Link(head Head, e Entry) Entry {
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.Hash = c.Hash(head.Hash, e)
	return e
}

// Head is the end of the chain: the last sequence number and its hash.
type Head struct {
	Seq  int64
	Hash string
}

// EmptyHead is the head of a chain with no entries.
var EmptyHead = Head{Seq: 0, Hash: Genesis}

// BreakError says where and how the chain is broken.
type BreakError struct {
	Seq    int64 // the first bad entry (or the expected one, if missing)
	Reason string
}

func (e *BreakError) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", e.Seq, e.Reason)
}

// Verifier checks entries one at a time, in sequence order, so a chain of
// any length is verified in constant memory.
//
// A chain kept only in the database cannot prove that nobody cut entries
// off its end and moved the head back consistently. Heads recorded
// elsewhere (printed by `sportello audit verify`, written to the logs at
// start-up) close that gap: passed to Expect, each must still be in the
// chain with the same hash.
type Verifier struct {
	chain   Chain
	last    Head
	anchors map[int64]string
	maxSeq  int64
}

// Expect adds heads recorded outside the database that the chain must
// still contain.
func (v *Verifier) Expect(heads ...Head) {
	if v.anchors == nil {
		v.anchors = map[int64]string{}
	}
	for _, h := range heads {
		v.anchors[h.Seq] = h.Hash
		v.maxSeq = max(v.maxSeq, h.Seq)
	}
}

// NewVerifier returns a verifier for a chain computed with c.
func NewVerifier(c Chain) *Verifier { return &Verifier{chain: c, last: EmptyHead} }

// Checked returns the number of entries verified so far.
func (v *Verifier) Checked() int64 { return v.last.Seq }

// Check verifies the next entry.
func (v *Verifier) Check(e Entry) error {
	want := v.last.Seq + 1
	switch {
	case e.Seq < want:
		return &BreakError{Seq: e.Seq, Reason: fmt.Sprintf("entry out of order or duplicated (expected %d)", want)}
	case e.Seq > want:
		return &BreakError{Seq: want, Reason: fmt.Sprintf("entry missing (next present is %d)", e.Seq)}
	case e.PrevHash != v.last.Hash:
		return &BreakError{Seq: e.Seq, Reason: "previous-hash link does not match the entry before it (inserted or re-linked)"}
	}
	if got := v.chain.Hash(e.PrevHash, e); !hmac.Equal([]byte(got), []byte(e.Hash)) {
		return &BreakError{Seq: e.Seq, Reason: "content does not match its hash (altered or forged)"}
	}
	if want, ok := v.anchors[e.Seq]; ok && want != e.Hash {
		return &BreakError{Seq: e.Seq, Reason: "differs from the head recorded outside the database (chain rewritten)"}
	}
	v.last = Head{Seq: e.Seq, Hash: e.Hash}
	return nil
}

// Finish compares the last verified entry with the recorded head.
func (v *Verifier) Finish(head Head) error {
	switch {
	case v.maxSeq > v.last.Seq:
		return &BreakError{Seq: v.last.Seq + 1, Reason: fmt.Sprintf("entries %d..%d missing: a head recorded outside the database names entry %d (chain truncated)", v.last.Seq+1, v.maxSeq, v.maxSeq)}
	case head.Seq > v.last.Seq:
		return &BreakError{Seq: v.last.Seq + 1, Reason: fmt.Sprintf("entries %d..%d missing from the end", v.last.Seq+1, head.Seq)}
	case head.Seq < v.last.Seq:
		return &BreakError{Seq: head.Seq + 1, Reason: fmt.Sprintf("entries beyond the recorded head %d (inserted out of chain)", head.Seq)}
	case head.Hash != v.last.Hash:
		return &BreakError{Seq: head.Seq, Reason: "recorded head hash does not match the last entry"}
	}
	return nil
}
