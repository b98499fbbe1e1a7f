package plain_test

import (
	"testing"

	"github.com/sportello/sportello/internal/plain"
)

func TestPlain(t *testing.T) {
	in := " a\x00b\tc\r\nd\v\xffe "
	if got := plain.OneLine(in); got != " a b c  d e " {
		t.Errorf("OneLine = %q", got)
	}
	if got := plain.Field(in); got != "a b c  d e" {
		t.Errorf("Field = %q", got)
	}
	if got := plain.Lines(in); got != " a b\tc\nd e " {
		t.Errorf("Lines = %q", got)
	}
}
