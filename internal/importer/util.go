package importer

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/codicefiscale"
)

func cfMessage(code string) string {
	err := codicefiscale.Validate(code)
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return strings.TrimSuffix(ae.Message, ".")
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func parseDay(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("%q non valida (AAAA-MM-GG o GG/MM/AAAA)", s)
}
