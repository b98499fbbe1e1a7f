package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// markettoFile is the data of @marketto/belfiore-connector-embedded inside
// node_modules.
const markettoFile = "@marketto/belfiore-connector-embedded/asset/cities-countries.ts"

// markettoEpoch is day 0 of the package's dates ("ITALY_KINGDOM_BIRTHDATE"
// in @marketto/belfiore-connector); a creation date of 0 means unknown.
var markettoEpoch = time.Date(1861, 1, 1, 0, 0, 0, 0, time.UTC)

// markettoEntry is one code of the package, as its toArray() returns it.
type markettoEntry struct {
	Code     string    // Belfiore code
	Name     string    // as stored: title-cased from ANPR, some mojibake
	Province string    // sigla (last one known), or ISO alpha-2 for Z codes; may be blank
	Created  time.Time // zero when unknown
	Expired  time.Time // first day no longer valid; zero while valid
}

// markettoBlock is one column-packed block: entry i is at offset 3i of
// belfioreCode, 4i of the dates, 2i of provinceOrCountry and field i of
// the |-separated names. A block without expirationDate holds valid codes.
type markettoBlock struct {
	BelfioreCode      string `json:"belfioreCode"`
	CreationDate      string `json:"creationDate"`
	ExpirationDate    string `json:"expirationDate"`
	Name              string `json:"name"`
	ProvinceOrCountry string `json:"provinceOrCountry"`
}

// readMarketto decodes the package's asset file: a TypeScript module whose
// only value is a JSON object literal {data: [block…], licenses, sources}.
func readMarketto(path string) ([]markettoEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := string(b)
	i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
	if i < 0 || j < i {
		return nil, fmt.Errorf("%s: no object literal", path)
	}
	var v struct {
		Data []markettoBlock `json:"data"`
	}
	if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(v.Data) == 0 {
		return nil, fmt.Errorf("%s: no data blocks", path)
	}
	var out []markettoEntry
	for k, blk := range v.Data {
		es, err := decodeBlock(blk)
		if err != nil {
			return nil, fmt.Errorf("%s: block %d: %w", path, k+1, err)
		}
		out = append(out, es...)
	}
	return out, nil
}

// decodeBlock unpacks one block.
func decodeBlock(b markettoBlock) ([]markettoEntry, error) {
	n := len(b.BelfioreCode) / 3
	names := strings.Split(b.Name, "|")
	switch {
	case len(b.BelfioreCode)%3 != 0:
		return nil, fmt.Errorf("belfioreCode has %d characters, not a multiple of 3", len(b.BelfioreCode))
	case len(names) != n:
		return nil, fmt.Errorf("%d names for %d codes", len(names), n)
	case len(b.ProvinceOrCountry) != 2*n:
		return nil, fmt.Errorf("provinceOrCountry has %d characters for %d codes", len(b.ProvinceOrCountry), n)
	case b.CreationDate != "" && len(b.CreationDate) != 4*n:
		return nil, fmt.Errorf("creationDate has %d characters for %d codes", len(b.CreationDate), n)
	case b.ExpirationDate != "" && len(b.ExpirationDate) != 4*n:
		return nil, fmt.Errorf("expirationDate has %d characters for %d codes", len(b.ExpirationDate), n)
	}
	out := make([]markettoEntry, n)
	for i := range n {
		code, err := decodeCode(b.BelfioreCode[3*i : 3*i+3])
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		e := markettoEntry{Code: code, Name: names[i], Province: strings.TrimSpace(b.ProvinceOrCountry[2*i : 2*i+2])}
		if b.CreationDate != "" {
			if e.Created, err = decodeDate(b.CreationDate[4*i : 4*i+4]); err != nil {
				return nil, fmt.Errorf("entry %d (%s): creationDate: %w", i, code, err)
			}
		}
		if b.ExpirationDate != "" {
			if e.Expired, err = decodeDate(b.ExpirationDate[4*i : 4*i+4]); err != nil {
				return nil, fmt.Errorf("entry %d (%s): expirationDate: %w", i, code, err)
			}
			if e.Expired.IsZero() {
				return nil, fmt.Errorf("entry %d (%s): expirationDate is day 0", i, code)
			}
		}
		out[i] = e
	}
	return out, nil
}

// decodeCode turns 3 base-32 digits into a Belfiore code: n = letter
// index × 1000 + number, so "1dg" = 1456 = B456.
func decodeCode(s string) (string, error) {
	v, err := strconv.ParseUint(s, 32, 32)
	if err != nil {
		return "", fmt.Errorf("code %q: %w", s, err)
	}
	if v/1000 > 25 {
		return "", fmt.Errorf("code %q: %d is beyond Z999", s, v)
	}
	return fmt.Sprintf("%c%03d", 'A'+rune(v/1000), v%1000), nil
}

// decodeDate turns 4 base-32 digits, days since 1861-01-01, into a date;
// day 0 is "unknown" and gives the zero time.
func decodeDate(s string) (time.Time, error) {
	v, err := strconv.ParseUint(s, 32, 32)
	if err != nil {
		return time.Time{}, err
	}
	if v == 0 {
		return time.Time{}, nil
	}
	d := markettoEpoch.AddDate(0, 0, int(v))
	if d.Year() > 2100 {
		return time.Time{}, errors.New("date beyond 2100")
	}
	return d, nil
}
