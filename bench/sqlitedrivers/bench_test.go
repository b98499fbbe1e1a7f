// Package sqlitedrivers compares two pure-Go SQLite database/sql drivers,
// modernc.org/sqlite and github.com/ncruces/go-sqlite3, on Sportello's
// registering transaction. The SQL text mirrors internal/store (register.go,
// events.go, audit.go, tx.go); the schema is the project's own migration,
// read from disk. See README.md and RESULTS.md.
package sqlitedrivers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
	_ "modernc.org/sqlite"                   // registers "sqlite"
)

// migrationPath is the project's SQLite schema, applied as is.
const migrationPath = "../../internal/store/migrations/sqlite/0001_foundation.sql"

// timeLayout is what modernc writes for time.Time with _time_format=sqlite
// (the project's setting). ncruces is given the same layout through
// _timefmt, so both drivers store byte-identical timestamps. Note that
// ncruces' own "_timefmt=sqlite" is a different format: "2006-01-02
// 15:04:05", without fractional seconds.
const timeLayout = "2006-01-02 15:04:05.999999999-07:00"

// pragmas are the project's (internal/store/db.go sqliteDSNs), in its order.
var pragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"}

type sqlDriver struct {
	name   string // sub-benchmark name
	driver string // database/sql driver name
	extra  url.Values
}

var drivers = []sqlDriver{
	{name: "modernc", driver: "sqlite", extra: url.Values{
		"_txlock":      {"immediate"},
		"_time_format": {"sqlite"},
	}},
	{name: "ncruces", driver: "sqlite3", extra: url.Values{
		"_txlock":  {"immediate"},
		"_timefmt": {timeLayout},
	}},
}

// dsn builds a file: URI with the project's pragmas plus the driver's own
// parameters. Both drivers read repeated _pragma parameters in order.
func (d sqlDriver) dsn(path string, pragmaList []string) string {
	v := url.Values{}
	for _, p := range pragmaList {
		v.Add("_pragma", p)
	}
	for k, vs := range d.extra {
		v[k] = append([]string(nil), vs...)
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// openWriter opens the single-connection write pool on a fresh file,
// checks the settings took effect and applies the schema.
func openWriter(tb testing.TB, d sqlDriver) (*sql.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "bench.db")
	db, err := sql.Open(d.driver, d.dsn(path, pragmas))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	checkPragmas(tb, db)
	schema, err := os.ReadFile(migrationPath)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, string(schema)); err != nil {
		tb.Fatalf("%s: apply schema: %v", d.name, err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return db, path
}

func checkPragmas(tb testing.TB, db *sql.DB) {
	tb.Helper()
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"}
	for name, w := range want {
		var got string
		if err := db.QueryRow("PRAGMA " + name).Scan(&got); err != nil {
			tb.Fatalf("PRAGMA %s: %v", name, err)
		}
		if strings.ToLower(got) != w {
			tb.Fatalf("PRAGMA %s = %q, want %q", name, got, w)
		}
	}
}

// fixture is what a registration carries, built before the timer.
type fixture struct {
	register, kind, subject, correspondent, actor, actingFor, channel string
	payload                                                           string // ~1.5 KB JSON
	digest                                                            string // SHA-256 of payload, for "raw"
}

func newFixture(tb testing.TB) fixture {
	type attachment struct {
		Name   string `json:"nome"`
		Mime   string `json:"mime"`
		Size   int    `json:"dimensione"`
		SHA256 string `json:"sha256"`
	}
	doc := map[string]any{
		"tipo": "domanda_invalidita",
		"richiedente": map[string]any{
			"codice_fiscale": "BNCLGU48D10L219Y", "nome": "Luigi", "cognome": "Bianchi",
			"data_nascita": "1948-04-10", "comune_nascita": "Torino",
			"residenza": map[string]string{"indirizzo": "Via Po 12", "cap": "10123", "comune": "Torino", "provincia": "TO"},
			"recapiti":  map[string]string{"email": "luigi.bianchi@example.it", "telefono": "+39 011 555 0142"},
		},
		"intermediario":     map[string]string{"tipo": "patronato", "codice": "PAT-TO-0042", "operatore": "demo-patronato"},
		"accertamenti":      []string{"invalidita", "handicap", "disabilita_lavoro"},
		"certificato":       map[string]string{"numero": "CM-2026-0019283", "medico": "RSSMRA56L12H501D", "data": "2026-01-15"},
		"consenso_privacy":  true,
		"note":              "Domanda presentata tramite patronato; il richiedente chiede la visita domiciliare per difficoltà di deambulazione.",
		"preferenze_visita": map[string]any{"domiciliare": true, "fasce": []string{"mattina", "primo_pomeriggio"}},
	}
	var atts []attachment
	for i := 1; ; i++ {
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		atts = append(atts, attachment{Name: fmt.Sprintf("allegato_%02d_certificazione_sanitaria.pdf", i),
			Mime: "application/pdf", Size: 180000 + 7919*i, SHA256: hex.EncodeToString(sum[:])})
		doc["allegati"] = atts
		b, err := json.Marshal(doc)
		if err != nil {
			tb.Fatal(err)
		}
		if len(b) >= 1400 {
			f := fixture{register: "protocollo", kind: "domanda_invalidita", subject: "Domanda di invalidità civile",
				correspondent: "BNCLGU48D10L219Y", actor: "intermediary:demo-patronato",
				actingFor: "citizen:BNCLGU48D10L219Y", channel: "intermediary", payload: string(b)}
			f.digest = digest(f.payload)
			return f
		}
	}
}

func digest(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return hex.EncodeToString(sum[:])
}

// auditHash is an HMAC-SHA256 over length-prefixed fields, as the
// project's audit chain computes it (hex, 64 characters).
func auditHash(key []byte, prev string, seq int64, at time.Time, fields ...string) string {
	m := hmac.New(sha256.New, key)
	var buf [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(s)))
		m.Write(buf[:])
		m.Write([]byte(s))
	}
	put("sportello-audit-v1")
	put(prev)
	put(strconv.FormatInt(seq, 10))
	put(at.UTC().Format(time.RFC3339Nano))
	for _, f := range fields {
		put(f)
	}
	return hex.EncodeToString(m.Sum(nil))
}

var rome = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Rome"); err == nil {
		return l
	}
	return time.UTC
}()

var auditKey = []byte("bench-audit-key")

// registerFull is one registering transaction, statement for statement
// what the store runs for Register + AppendEvent + Audit (flushed before
// COMMIT). BEGIN is IMMEDIATE through the DSN's _txlock.
func registerFull(ctx context.Context, db *sql.DB, f *fixture) (err error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	year := now.In(rome).Year()
	var last int64
	if err = tx.QueryRowContext(ctx, `INSERT INTO registers (name, year, last) VALUES (?, ?, 1)
		ON CONFLICT (name, year) DO UPDATE SET last = registers.last + 1
		RETURNING last`, f.register, year).Scan(&last); err != nil {
		return fmt.Errorf("next number: %w", err)
	}
	var id int64
	if err = tx.QueryRowContext(ctx, `INSERT INTO registrations
		(register, year, number, registered_at, kind, subject, correspondent, payload, digest, corrects_id, actor, channel)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.register, year, last, now, f.kind, f.subject, f.correspondent,
		f.payload, digest(f.payload), sql.NullInt64{}, f.actor, f.channel).Scan(&id); err != nil {
		return fmt.Errorf("insert registration: %w", err)
	}
	number := fmt.Sprintf("%04d%07d", year, last)
	caseID := strconv.FormatInt(id, 10)
	var evID, evSeq int64
	if err = tx.QueryRowContext(ctx, `INSERT INTO events (case_kind, case_id, seq, at, kind, actor, acting_for, channel, payload)
		SELECT ?, ?, COALESCE(max(seq), 0) + 1, ?, ?, ?, ?, ?, ?
		FROM events WHERE case_kind = ? AND case_id = ?
		RETURNING id, seq`,
		"registration", caseID, now, "registered", f.actor, f.actingFor, f.channel, fmt.Sprintf(`{"number":%q}`, number),
		"registration", caseID).Scan(&evID, &evSeq); err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	var headSeq int64
	var headHash string
	if err = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	seq := headSeq + 1
	action, subject := "registration.create", "person:"+f.correspondent
	detail := fmt.Sprintf(`{"registration":%d,"number":%q}`, id, number)
	hash := auditHash(auditKey, headHash, seq, now, f.actor, f.actingFor, f.channel, action, subject, detail)
	if _, err = tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, acting_for, channel, action, subject, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, now, f.actor, f.actingFor, f.channel, action, subject, detail, headHash, hash); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	if _, err = tx.ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", seq, hash); err != nil {
		return fmt.Errorf("move audit head: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// registerRaw is the ceiling: one transaction inserting the same
// registration row, with the number supplied by the caller and the digest
// precomputed.
func registerRaw(ctx context.Context, db *sql.DB, f *fixture, number int64) (err error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var id int64
	if err = tx.QueryRowContext(ctx, `INSERT INTO registrations
		(register, year, number, registered_at, kind, subject, correspondent, payload, digest, corrects_id, actor, channel)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.register, now.In(rome).Year(), number, now, f.kind, f.subject, f.correspondent,
		f.payload, f.digest, sql.NullInt64{}, f.actor, f.channel).Scan(&id); err != nil {
		return fmt.Errorf("insert registration: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// checkGapless fails unless the counters, the registrations, the events
// and the audit chain all count exactly n.
func checkGapless(tb testing.TB, db *sql.DB, n int64) {
	tb.Helper()
	var last, regs, events, auditRows, headSeq, maxNumber int64
	err := db.QueryRow(`SELECT
		(SELECT COALESCE(sum(last), 0) FROM registers),
		(SELECT count(*) FROM registrations),
		(SELECT COALESCE(sum(number), 0) FROM (SELECT max(number) AS number FROM registrations GROUP BY register, year)),
		(SELECT count(*) FROM events),
		(SELECT count(*) FROM audit_log),
		(SELECT seq FROM audit_head WHERE id = 1)`).Scan(&last, &regs, &maxNumber, &events, &auditRows, &headSeq)
	if err != nil {
		tb.Fatal(err)
	}
	if last != n || regs != n || maxNumber != n || events != n || auditRows != n || headSeq != n {
		tb.Fatalf("not gapless after %d transactions: counter %d, registrations %d, highest numbers %d, events %d, audit entries %d, audit head %d",
			n, last, regs, maxNumber, events, auditRows, headSeq)
	}
}

func BenchmarkRegister(b *testing.B) {
	ctx := context.Background()
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			b.Run("full", func(b *testing.B) {
				db, _ := openWriter(b, d)
				f := newFixture(b)
				b.ReportAllocs()
				var n int64
				for b.Loop() {
					if err := registerFull(ctx, db, &f); err != nil {
						b.Fatal(err)
					}
					n++
				}
				b.StopTimer()
				checkGapless(b, db, n)
			})
			b.Run("raw", func(b *testing.B) {
				db, _ := openWriter(b, d)
				f := newFixture(b)
				b.ReportAllocs()
				var n int64
				for b.Loop() {
					n++
					if err := registerRaw(ctx, db, &f, n); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// TestSettings checks, for each driver, what the benchmark relies on: the
// pragmas, that BEGIN takes the write lock at once (IMMEDIATE), that
// time.Time binds into TIMESTAMP columns and scans back exactly, that both
// drivers store the same text, and that a few full transactions are gapless.
func TestSettings(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	stored := map[string]string{}
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			db, path := openWriter(t, d)
			f := newFixture(t)
			if len(f.payload) < 1400 || len(f.payload) > 1700 {
				t.Fatalf("payload is %d bytes", len(f.payload))
			}
			for range 5 {
				if err := registerFull(ctx, db, &f); err != nil {
					t.Fatal(err)
				}
			}
			checkGapless(t, db, 5)

			// IMMEDIATE: an open, still empty transaction blocks another
			// connection's write (busy_timeout 0 there, so it fails at once).
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			other, err := sql.Open(d.driver, d.dsn(path, []string{"busy_timeout(0)"}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = other.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('x', 'y')")
			other.Close()
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), "locked") && !strings.Contains(strings.ToLower(err.Error()), "busy") {
				t.Fatalf("write from another connection during an empty transaction: got %v, want SQLITE_BUSY", err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}

			// time.Time round trip through a TIMESTAMP column.
			if _, err := db.ExecContext(ctx, `INSERT INTO registration_annulments (registration_id, annulled_at, actor, reason) VALUES (?, ?, ?, ?)`,
				1, at, "office:x", "test"); err != nil {
				t.Fatal(err)
			}
			var got time.Time
			var text, typ string
			if err := db.QueryRowContext(ctx, `SELECT annulled_at, CAST(annulled_at AS TEXT), typeof(annulled_at) FROM registration_annulments WHERE registration_id = 1`).
				Scan(&got, &text, &typ); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(at) {
				t.Fatalf("time round trip: wrote %v, read %v (stored %s %q)", at, got, typ, text)
			}
			t.Logf("time.Time stored as %s %q", typ, text)
			stored[d.name] = text
		})
	}
	if len(stored) == len(drivers) && stored["modernc"] != stored["ncruces"] {
		t.Errorf("drivers store different timestamp text: %q", stored)
	}
}
