// Package importer loads registry extracts from CSV files (`sportello
// import KIND FILE`): it imports the good rows in batches, lists each
// rejected row with its line number and reason, reports progress, and can
// be run again on the same file without duplicating anything (the stores
// upsert on natural keys).
package importer

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/comuni"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/registry"
	"github.com/sportello/sportello/internal/store"
)

// Kind is a kind of extract.
type Kind struct {
	Name    string
	Label   string   // Italian, for messages
	Columns []string // required header columns, in any order
	parse   func(row map[string]string) (any, error)
	save    func(ctx context.Context, tx *store.Tx, rows []any) error
	// check, if set, returns warnings about a good row that do not stop
	// its import (facts the comuni table cannot confirm).
	check func(v any, places *comuni.Table) []string
}

// Kinds lists the importable extracts.
var Kinds = map[string]Kind{
	"persone": {
		Name: "persone", Label: "anagrafe (persone)",
		Columns: []string{"codice_fiscale", "nome", "cognome", "data_nascita", "luogo_nascita", "sesso", "indirizzo", "cap", "comune", "provincia"},
		parse: func(r map[string]string) (any, error) {
			p := identity.Person{FiscalCode: r["codice_fiscale"], GivenName: strings.TrimSpace(r["nome"]), FamilyName: strings.TrimSpace(r["cognome"]),
				BirthDate: r["data_nascita"], BirthPlace: strings.TrimSpace(r["luogo_nascita"]), Sex: strings.ToUpper(strings.TrimSpace(r["sesso"])),
				Address: strings.TrimSpace(r["indirizzo"]), Postcode: strings.TrimSpace(r["cap"]), Municipality: strings.TrimSpace(r["comune"]),
				Province: strings.ToUpper(strings.TrimSpace(r["provincia"]))}
			return p, validatePerson(&p)
		},
		save: func(ctx context.Context, tx *store.Tx, rows []any) error {
			return tx.UpsertPeople(ctx, convert[identity.Person](rows))
		},
		check: checkPersonPlaces,
	},
	"contributi": {
		Name: "contributi", Label: "estratto contributivo",
		Columns: []string{"codice_fiscale", "gestione", "tipo", "dal", "al", "settimane", "giorni"},
		parse: func(r map[string]string) (any, error) {
			c := registry.Contribution{FiscalCode: r["codice_fiscale"], Fund: strings.TrimSpace(r["gestione"]), Kind: strings.TrimSpace(r["tipo"]),
				From: r["dal"], To: r["al"]}
			var err error
			if c.Weeks, err = count(r["settimane"]); err != nil {
				return nil, fmt.Errorf("settimane: %w", err)
			}
			if c.Days, err = count(r["giorni"]); err != nil {
				return nil, fmt.Errorf("giorni: %w", err)
			}
			return c, c.Validate()
		},
		save: func(ctx context.Context, tx *store.Tx, rows []any) error {
			return tx.UpsertContributions(ctx, convert[registry.Contribution](rows))
		},
	},
	"pensioni": {
		Name: "pensioni", Label: "pensioni e assegni",
		Columns: []string{"codice_fiscale", "tipo", "decorrenza", "cessazione", "revocata"},
		parse: func(r map[string]string) (any, error) {
			p := registry.Pension{FiscalCode: r["codice_fiscale"], Kind: strings.TrimSpace(r["tipo"]), From: r["decorrenza"], To: r["cessazione"]}
			var err error
			if p.Revoked, err = yesNo(r["revocata"]); err != nil {
				return nil, fmt.Errorf("revocata: %w", err)
			}
			return p, p.Validate()
		},
		save: func(ctx context.Context, tx *store.Tx, rows []any) error {
			return tx.UpsertPensions(ctx, convert[registry.Pension](rows))
		},
	},
	"rapporti": {
		Name: "rapporti", Label: "rapporti di lavoro",
		Columns: []string{"codice_fiscale", "tipo_datore", "attivita", "qualifica", "dal", "al"},
		parse: func(r map[string]string) (any, error) {
			e := registry.Employment{FiscalCode: r["codice_fiscale"], EmployerType: strings.TrimSpace(r["tipo_datore"]),
				Activity: strings.TrimSpace(r["attivita"]), Qualification: strings.TrimSpace(r["qualifica"]), From: r["dal"], To: r["al"]}
			return e, e.Validate()
		},
		save: func(ctx context.Context, tx *store.Tx, rows []any) error {
			return tx.UpsertEmployments(ctx, convert[registry.Employment](rows))
		},
	},
	"cure_ssn": {
		Name: "cure_ssn", Label: "cure termali a carico del Servizio sanitario",
		Columns: []string{"codice_fiscale", "anno", "struttura"},
		parse: func(r map[string]string) (any, error) {
			c := registry.SSNCure{FiscalCode: r["codice_fiscale"], Facility: strings.TrimSpace(r["struttura"])}
			var err error
			if c.Year, err = count(r["anno"]); err != nil {
				return nil, fmt.Errorf("anno: %w", err)
			}
			return c, c.Validate()
		},
		save: func(ctx context.Context, tx *store.Tx, rows []any) error {
			return tx.UpsertSSNCures(ctx, convert[registry.SSNCure](rows))
		},
	},
	"cicli": {
		Name: "cicli", Label: "cicli di cure termali concessi negli anni passati",
		Columns: []string{"codice_fiscale", "anno", "patologia"},
		parse: func(r map[string]string) (any, error) {
			c := registry.PastCycle{FiscalCode: r["codice_fiscale"], Pathology: r["patologia"]}
			var err error
			if c.Year, err = count(r["anno"]); err != nil {
				return nil, fmt.Errorf("anno: %w", err)
			}
			return c, c.Validate()
		},
		save: func(ctx context.Context, tx *store.Tx, rows []any) error {
			return tx.UpsertPastCycles(ctx, convert[registry.PastCycle](rows))
		},
	},
}

func convert[T any](rows []any) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = r.(T)
	}
	return out
}

func yesNo(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "n", "0", "false":
		return false, nil
	case "si", "sì", "s", "1", "true", "yes":
		return true, nil
	}
	return false, fmt.Errorf("%q: usare sì o no", s)
}

func count(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q non è un numero intero non negativo", s)
	}
	return n, nil
}

// RowError is a rejected row.
type RowError struct {
	Line   int
	Reason string
}

// Report is the outcome of an import.
type Report struct {
	Kind     string
	Rows     int // data rows read
	Imported int
	Rejected []RowError
	Warnings []RowError // imported rows with facts to verify
}

// Options tune an import.
type Options struct {
	// Progress, if set, is called after each batch with the bytes read.
	Progress func(bytesRead int64)
	// Places, if set, is the comuni table the rows' places are checked
	// against: a place it does not know is a warning, not a rejection
	// (the table may be older than the extract).
	Places *comuni.Table
}

// BatchSize is how many good rows go into one transaction.
const BatchSize = 1000

// Run imports a CSV extract (comma- or semicolon-separated, UTF-8, with a
// header row) of kind. progress, if set, is called after each batch with
// the bytes read so far. A file that cannot be read at all (missing
// columns, not CSV) is an error; bad rows are not: they are reported.
func Run(ctx context.Context, db *store.DB, kind string, r io.Reader, progress func(bytesRead int64)) (Report, error) {
	return RunOptions(ctx, db, kind, r, Options{Progress: progress})
}

// RunOptions is Run with options.
func RunOptions(ctx context.Context, db *store.DB, kind string, r io.Reader, opt Options) (Report, error) {
	progress := opt.Progress
	k, ok := Kinds[kind]
	if !ok {
		names := make([]string, 0, len(Kinds))
		for n := range Kinds {
			names = append(names, n)
		}
		sort.Strings(names)
		return Report{}, fmt.Errorf("tipo di estratto %q sconosciuto: ammessi %s", kind, strings.Join(names, ", "))
	}
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	head, err := br.Peek(min(4096, br.Size()))
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Report{}, fmt.Errorf("lettura del file: %w", err)
	}
	rd := csv.NewReader(br)
	firstLine, _, _ := strings.Cut(string(head), "\n")
	if strings.Count(firstLine, ";") > strings.Count(firstLine, ",") {
		rd.Comma = ';'
	}
	rd.FieldsPerRecord = -1
	rd.ReuseRecord = false
	header, err := rd.Read()
	if err != nil {
		return Report{}, fmt.Errorf("il file non ha una riga di intestazione CSV: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, c := range k.Columns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return Report{}, fmt.Errorf("mancano le colonne %s (attese: %s)", strings.Join(missing, ", "), strings.Join(k.Columns, ", "))
	}
	rep := Report{Kind: k.Name}
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return k.save(ctx, tx, batch) }); err != nil {
			return err
		}
		rep.Imported += len(batch)
		batch = batch[:0]
		if progress != nil {
			progress(cr.n)
		}
		return nil
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Rows++
				rep.Rejected = append(rep.Rejected, RowError{Line: pe.Line, Reason: "riga CSV non leggibile: " + pe.Err.Error()})
				continue
			}
			return rep, fmt.Errorf("lettura del file: %w", err)
		}
		rep.Rows++
		line, _ := rd.FieldPos(0)
		row := map[string]string{}
		for name, i := range col {
			if i < len(rec) {
				row[name] = rec[i]
			}
		}
		v, err := k.parse(row)
		if err != nil {
			rep.Rejected = append(rep.Rejected, RowError{Line: line, Reason: err.Error()})
			continue
		}
		if k.check != nil && opt.Places != nil {
			for _, w := range k.check(v, opt.Places) {
				rep.Warnings = append(rep.Warnings, RowError{Line: line, Reason: w})
			}
		}
		batch = append(batch, v)
		if len(batch) >= BatchSize {
			if err := flush(); err != nil {
				return rep, err
			}
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	return rep, flush()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func validatePerson(p *identity.Person) error {
	if msg := cfMessage(p.FiscalCode); msg != "" {
		return errors.New(msg)
	}
	p.FiscalCode = identity.NormalizeFiscalCode(p.FiscalCode)
	switch {
	case p.GivenName == "" || p.FamilyName == "":
		return errors.New("nome e cognome sono obbligatori")
	case p.Sex != "M" && p.Sex != "F":
		return fmt.Errorf("sesso %q non valido (M o F)", p.Sex)
	case p.BirthPlace == "" || p.Municipality == "" || p.Address == "":
		return errors.New("luogo di nascita, indirizzo e comune di residenza sono obbligatori")
	}
	born, err := parseDay(p.BirthDate)
	if err != nil {
		return fmt.Errorf("data di nascita: %w", err)
	}
	p.BirthDate = born
	return nil
}

// checkPersonPlaces compares a person's record with the comuni table and
// with the codice fiscale: the birthplace the code names must be known, the
// comune of residence must exist today in the province given, and the code
// must agree with the birth date and sex. Mismatches are warnings: the
// registry is the authority, and the office verifies them.
func checkPersonPlaces(v any, places *comuni.Table) []string {
	p := v.(identity.Person)
	var warn []string
	born, _ := time.ParseInLocation("2006-01-02", p.BirthDate, time.UTC)
	if d, err := codicefiscale.Decode(p.FiscalCode, born.AddDate(0, 0, 1)); err == nil {
		if !d.BirthDate.Equal(born) || d.Female != (p.Sex == "F") {
			warn = append(warn, fmt.Sprintf("il codice fiscale %s non corrisponde alla data di nascita o al sesso", p.FiscalCode))
		}
		if _, ok := places.ByCodeAny(d.Place); !ok {
			warn = append(warn, fmt.Sprintf("il luogo di nascita del codice fiscale (%s) non è nella tabella dei comuni", d.Place))
		}
	}
	if _, ok := places.Named(p.Municipality, p.Province, time.Now()); !ok {
		if old, ok := places.Named(p.Municipality, p.Province, time.Time{}); ok {
			warn = append(warn, fmt.Sprintf("il comune di residenza %q (%s) è stato soppresso dal %s", p.Municipality, p.Province, old.To.Format("02/01/2006")))
		} else {
			warn = append(warn, fmt.Sprintf("il comune di residenza %q non risulta in provincia di %s", p.Municipality, p.Province))
		}
	}
	return warn
}
