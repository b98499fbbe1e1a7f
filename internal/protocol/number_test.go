package protocol_test

import (
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/protocol"
)

// REQ PROT-1: the number format is checked when typed.
func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string
		wantErr string
	}{
		{"20260000042", "20260000042", ""},
		{" 20269999999 ", "20269999999", ""},
		{"", "", "Inserire il numero"},
		{"2026000004", "", "11 cifre"},
		{"2026000004A", "", "11 cifre"},
		{"20260000000", "", "zero"},
		{"19990000001", "", "anno"},
	} {
		n, err := protocol.ParseNumber(tc.in)
		if tc.wantErr != "" {
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseNumber(%q) = %v; want Invalid containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || n.String() != tc.want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %s", tc.in, n, err, tc.want)
		}
	}
}

// REQ PROT-1: numbers print as AAAAnnnnnnn, zero-padded.
func TestNumber_String(t *testing.T) {
	for _, tc := range []struct {
		n    protocol.Number
		want string
	}{
		{protocol.Number{Year: 2026, Seq: 1}, "20260000001"},
		{protocol.Number{Year: 2027, Seq: protocol.MaxSeq}, "20279999999"},
	} {
		if got := tc.n.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"20260000042", "", "abc", "2026000004٣", " 20260000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := protocol.ParseNumber(s)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("ParseNumber(%q) error %v is not Invalid", s, err)
			}
			return
		}
		back, err := protocol.ParseNumber(n.String())
		if err != nil || back != n {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, n, n.String(), back, err)
		}
	})
}
