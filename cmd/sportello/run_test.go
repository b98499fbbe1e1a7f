package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/comuni"
	"github.com/sportello/sportello/internal/config"
	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// runCmd runs a command to completion and returns its stdout.
func runCmd(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

var urlRE = regexp.MustCompile(`in ascolto su (http://[0-9.:]+)`)

// startServe runs `serve` in the background and returns its base URL and a
// function that stops it and returns run's error.
func startServe(t *testing.T, getenv func(string) string, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append(args, "--addr", "127.0.0.1:0", "serve"), getenv, strings.NewReader(""), &out, &logs)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			stop := func() error {
				cancel()
				select {
				case err := <-done:
					return err
				case <-time.After(30 * time.Second):
					t.Fatal("serve did not stop")
					return nil
				}
			}
			t.Cleanup(func() { cancel() })
			return m[1], &logs, stop
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\nlogs:\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start; logs:\n%s", logs.String())
		}
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// The README's run command: the default SQLite database with demo data,
// health, readiness and the service's own metrics; a clean stop.
func TestRun_ServeSQLiteWithDemo(t *testing.T) {
	t.Chdir(t.TempDir()) // the default database file lands here
	base, logs, stop := startServe(t, env())
	if _, err := os.Stat("sportello.db"); err != nil {
		t.Fatalf("default database file not created: %v", err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, body := get(t, base+path)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET %s = %d %q (Cache-Control %q)", path, resp.StatusCode, body, resp.Header.Get("Cache-Control"))
		}
		if len(resp.Header.Get("X-Request-ID")) < 8 {
			t.Fatalf("GET %s has no request ID", path)
		}
	}
	get(t, base+"/no-such-page")
	resp, metrics := get(t, base+"/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	for _, want := range []string{
		`sportello_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`,
		`sportello_http_requests_total{method="GET",route="/",status="404"} 1`,
		`sportello_http_request_duration_seconds_bucket{method="GET",route="GET /readyz"`,
		`sportello_register_allocations_total{register="certificati"} 7`, // 4 example registrations, 3 demo certificates
		`sportello_register_allocations_total{register="protocollo"} 4`,
		`go_sql_open_connections{db_name="write"}`,
		`sportello_write_queue_length 0`,
		`# TYPE sportello_write_batch_size histogram`,
		`sportello_build_info{version="dev"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Request logs are JSON lines with the request ID.
	if !regexp.MustCompile(`"msg":"request","request_id":"[A-Z0-9]{20}","method":"GET","path":"/healthz"`).MatchString(logs.String()) {
		t.Errorf("no JSON request log line for /healthz in:\n%s", logs.String())
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v on shutdown", err)
	}
	if !strings.Contains(logs.String(), `"msg":"demo data loaded","registrations":8`) {
		t.Errorf("demo not loaded; logs:\n%s", logs.String())
	}
	// A second start on the same file keeps the data and does not reload.
	_, logs2, stop2 := startServe(t, env())
	stop2()
	if strings.Contains(logs2.String(), "demo data loaded") {
		t.Errorf("demo data loaded twice")
	}
}

// docKeyFile writes a document signing key, as `openssl genpkey` would.
func docKeyFile(t *testing.T) string {
	t.Helper()
	k, err := doctoken.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := doctoken.EncodeKey(k)
	path := filepath.Join(t.TempDir(), "documenti.pem")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Flags have SPORTELLO_* equivalents; a flag wins over its variable.
// Outside demo mode the document signing key is required (DOC-1).
func TestRun_ConfigFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	_, err := runCmd(t, env("SPORTELLO_DB", dir+"/nokey.db", "SPORTELLO_DEMO", "false"), "--addr", "127.0.0.1:0", "serve")
	if err == nil || !strings.Contains(err.Error(), "--doc-key-file") {
		t.Fatalf("serve without a document key outside demo mode = %v; want a refusal naming --doc-key-file", err)
	}
	base, _, stop := startServe(t, env("SPORTELLO_DB", dir+"/env.db", "SPORTELLO_LOG_FORMAT", "text", "SPORTELLO_DEMO", "false",
		"SPORTELLO_DOC_KEY_FILE", docKeyFile(t)))
	get(t, base+"/healthz")
	stop()
	if _, err := os.Stat(dir + "/env.db"); err != nil {
		t.Fatalf("SPORTELLO_DB ignored: %v", err)
	}
	out, err := runCmd(t, env("SPORTELLO_DB", dir+"/env.db"), "--db", dir+"/flag.db", "migrate")
	if err != nil || !strings.Contains(out, "Applied migrations") {
		t.Fatalf("migrate with --db over SPORTELLO_DB = %q, %v", out, err)
	}
	if _, err := os.Stat(dir + "/flag.db"); err != nil {
		t.Fatalf("--db did not win over SPORTELLO_DB: %v", err)
	}
}

func TestRun_BadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  func(string) string
		want string
	}{
		{[]string{"frobnicate"}, env(), `unknown command "frobnicate"`},
		{[]string{"audit"}, env(), `unknown command "audit"`},
		{[]string{"--log-level", "loud", "version"}, env(), "--log-level"},
		{[]string{"version"}, env("SPORTELLO_DEMO", "maybe"), "--demo"},
		{[]string{"--shutdown-timeout", "soon", "version"}, env(), "--shutdown-timeout"},
		{[]string{"--no-such-flag"}, env(), "no-such-flag"},
	} {
		_, err := runCmd(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || exitCode(err) != 2 {
			t.Errorf("run %v = %v (exit %d); want exit 2 mentioning %q", tc.args, err, exitCode(err), tc.want)
		}
	}
	out, err := runCmd(t, env(), "-h")
	if err != nil || !strings.Contains(out, "audit verify") || !strings.Contains(out, "SPORTELLO_DB") {
		t.Errorf("-h = %q, %v; want the usage with commands and variables", out, err)
	}
	out, err = runCmd(t, env(), "version")
	if err != nil || !strings.HasPrefix(out, "sportello ") {
		t.Errorf("version = %q, %v", out, err)
	}
}

// REQ AUD-3: `sportello audit verify` passes on an intact chain and exits
// non-zero naming the first bad entry after tampering, on both engines.
func TestRun_AuditVerify(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		dsn := tg.NewDSN(t)
		keyFile := t.TempDir() + "/audit.key"
		if err := os.WriteFile(keyFile, []byte("a-long-enough-secret-key\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e := env("SPORTELLO_DB", dsn, "SPORTELLO_AUDIT_KEY_FILE", keyFile)
		if _, err := runCmd(t, e, "migrate"); err != nil {
			t.Fatal(err)
		}
		if out, err := runCmd(t, e, "demo"); err != nil || !strings.Contains(out, "8 registrations") {
			t.Fatalf("demo = %q, %v", out, err)
		}
		out, err := runCmd(t, e, "audit", "verify")
		// 8 registrations, the users, the demo registry, and the demo
		// doctor's declaration, practice, 3 certificates and 1 annulment.
		want := fmt.Sprintf("intact: %d entries", 8+len(demo.Users)+1+6)
		if err != nil || !strings.Contains(out, want) || strings.Contains(out, "Warning") {
			t.Fatalf("audit verify = %q, %v; want %q (registrations, users, registry, demo certificates), no warning with a key", out, err, want)
		}
		raw := storetest.Raw(t, dsn)
		if tg.Engine == store.Postgres {
			storetest.MustExec(t, raw, "ALTER TABLE audit_log DISABLE TRIGGER USER")
		} else {
			storetest.MustExec(t, raw, "DROP TRIGGER audit_log_no_update")
		}
		storetest.MustExec(t, raw, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3")
		out, err = runCmd(t, e, "audit", "verify")
		if err == nil || exitCode(err) != 1 || !strings.Contains(out, "first bad entry 3") {
			t.Fatalf("audit verify after tampering = %q, %v (exit %d); want exit 1 naming entry 3", out, err, exitCode(err))
		}
		// The wrong key fails from the first entry.
		if err := os.WriteFile(keyFile, []byte("another-long-enough-key"), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := runCmd(t, e, "audit", "verify"); exitCode(err) != 1 || !strings.Contains(out, "first bad entry 1") {
			t.Fatalf("audit verify with the wrong key = %q, %v", out, err)
		}
	})
}

// `serve` refuses a database whose schema is behind unless told to
// migrate; `migrate` then `serve` works (on PostgreSQL the issue's own
// acceptance check).
func TestRun_SchemaGate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		dsn := tg.NewDSN(t)
		_, err := runCmd(t, env(), "--db", dsn, "--migrate=false", "--addr", "127.0.0.1:0", "serve")
		if err == nil || !strings.Contains(err.Error(), "sportello migrate") {
			t.Fatalf("serve on an empty database without --migrate = %v; want a refusal naming `sportello migrate`", err)
		}
		out, err := runCmd(t, env(), "--db", dsn, "migrate")
		if err != nil || !strings.Contains(out, "schema at version") {
			t.Fatalf("migrate = %q, %v", out, err)
		}
		base, _, stop := startServe(t, env(), "--db", dsn, "--doc-key-file", docKeyFile(t))
		if resp, body := get(t, base+"/readyz"); resp.StatusCode != 200 {
			t.Fatalf("readyz after migrate = %d %s", resp.StatusCode, body)
		}
		// The schema moves ahead under a running node: it stops being ready.
		storetest.MustExec(t, storetest.Raw(t, dsn), "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')")
		if resp, body := get(t, base+"/readyz"); resp.StatusCode != 503 || !strings.Contains(body, "schema") {
			t.Fatalf("readyz with a newer schema = %d %s; want 503", resp.StatusCode, body)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestExitCode(t *testing.T) {
	if exitCode(errors.New("x")) != 1 || exitCode(&exitError{code: 2, err: errors.New("y")}) != 2 {
		t.Fatal("exit codes wrong")
	}
}

// REQ AUD-3: entries cut off the end with the head moved back are found
// when a head recorded earlier is given to `audit verify --expect-head`.
func TestRun_AuditVerifyExpectHead(t *testing.T) {
	dsn := t.TempDir() + "/s.db"
	e := env("SPORTELLO_DB", dsn)
	runCmd(t, e, "migrate")
	runCmd(t, e, "demo")
	out, err := runCmd(t, e, "audit", "verify")
	m := regexp.MustCompile(`head (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("audit verify = %q, %v", out, err)
	}
	raw := storetest.Raw(t, dsn)
	storetest.MustExec(t, raw, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq >= 7",
		"UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_log WHERE seq = 6)")
	if out, err := runCmd(t, e, "audit", "verify"); err != nil {
		t.Fatalf("without the anchor the truncation is consistent, verify = %q, %v", out, err)
	}
	out, err = runCmd(t, e, "audit", "verify", "--expect-head", m[1])
	if exitCode(err) != 1 || !strings.Contains(out, "first bad entry 7") || !strings.Contains(out, "truncated") {
		t.Fatalf("verify --expect-head %s = %q, %v; want exit 1 naming entry 7", m[1], out, err)
	}
	if _, err := runCmd(t, e, "audit", "verify", "--expect-head", "garbage"); exitCode(err) != 2 {
		t.Fatalf("bad --expect-head = %v; want exit 2", err)
	}
}

// `sportello import KIND FILE` imports the good rows, lists the bad ones
// with their line numbers, and can run again without duplicates.
func TestRun_Import(t *testing.T) {
	dir := t.TempDir()
	e := env("SPORTELLO_DB", dir+"/s.db")
	if _, err := runCmd(t, e, "migrate"); err != nil {
		t.Fatal(err)
	}
	file := dir + "/contributi.csv"
	os.WriteFile(file, []byte("codice_fiscale;gestione;tipo;dal;al;settimane;giorni\n"+
		"RSSMRA56L12H501D;employee;compulsory;2015-01-01;2019-12-31;260;0\n"+
		"RSSMRA56L12H501D;employee;nonsense;2015-01-01;2019-12-31;260;0\n"), 0o644)
	for range 2 {
		out, err := runCmd(t, e, "import", "contributi", file)
		if err != nil || !strings.Contains(out, "2 righe lette, 1 importate, 1 scartate") || !strings.Contains(out, "riga 3: tipo di contribuzione") {
			t.Fatalf("import = %q, %v", out, err)
		}
	}
	if _, err := runCmd(t, e, "import", "contributi", dir+"/missing.csv"); err == nil {
		t.Error("a missing file imported")
	}
	os.WriteFile(dir+"/bad.csv", []byte("codice_fiscale;gestione;tipo;dal;al;settimane;giorni\nX;employee;compulsory;2015-01-01;2019-12-31;260;0\n"), 0o644)
	if _, err := runCmd(t, e, "import", "contributi", dir+"/bad.csv"); exitCode(err) != 1 {
		t.Errorf("a file with no good row: %v; want exit 1", err)
	}
}

// `sportello import comuni FILE` replaces the embedded table only with a
// file without bad rows.
func TestRun_ImportComuni(t *testing.T) {
	dir := t.TempDir()
	e := env("SPORTELLO_DB", dir+"/s.db")
	runCmd(t, e, "migrate")
	good := "belfiore,istat,nome,provincia,regione,dal,al,stato\nH501,058091,Roma,RM,Lazio,,,comune\nZ110,,Francia,,,,,estero\n"
	os.WriteFile(dir+"/good.csv", []byte(good), 0o644)
	if out, err := runCmd(t, e, "import", "comuni", dir+"/good.csv"); err != nil || !strings.Contains(out, "2 luoghi") {
		t.Fatalf("import comuni = %q, %v", out, err)
	}
	os.WriteFile(dir+"/bad.csv", []byte(good+"XXXX,1,Nowhere,,,,,comune\n"), 0o644)
	if out, err := runCmd(t, e, "import", "comuni", dir+"/bad.csv"); exitCode(err) != 1 || !strings.Contains(out, "riga 4") {
		t.Fatalf("import with a bad row = %q, %v; want exit 1 naming line 4", out, err)
	}
}

// `sportello import uffici FILE` replaces the partial embedded table.
func TestRun_ImportOffices(t *testing.T) {
	dir := t.TempDir()
	e := env("SPORTELLO_DB", dir+"/s.db")
	runCmd(t, e, "migrate")
	os.WriteFile(dir+"/u.csv", []byte("tipo,codice,nome,regione,territorio\nsede,NA01,Direzione provinciale di Napoli,Campania,NA Z998\n"), 0o644)
	if out, err := runCmd(t, e, "import", "uffici", dir+"/u.csv"); err != nil || !strings.Contains(out, "uffici e aziende sanitarie: 1 importati") {
		t.Fatalf("import uffici = %q, %v", out, err)
	} else if _, ok := comuniBuilt(); ok && !strings.Contains(out, "NA01: comune Z998 non presente") {
		t.Errorf("no warning for an unknown comune in a territory: %q", out)
	}
	db, err := openStore(t.Context(), config.Config{DB: dir + "/s.db"}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := loadOffices(t.Context(), db)
	db.Close()
	if err != nil || len(o.All()) != 1 || len(o.ForPlace("sede", "NA", "F839")) != 1 {
		t.Fatalf("loadOffices after import = %+v, %v; want the imported Napoli office only", o, err)
	}
	os.WriteFile(dir+"/bad.csv", []byte("tipo,codice,nome,regione,territorio\nfarmacia,X,Y,Z,NA\n"), 0o644)
	if out, err := runCmd(t, e, "import", "uffici", dir+"/bad.csv"); exitCode(err) != 1 || !strings.Contains(out, "riga 2") {
		t.Fatalf("bad offices file = %q, %v", out, err)
	}
}

// REQ CBTW-3: the season's spa facilities replace the embedded list; a
// place code not in the comuni table is a warning, a malformed one a
// rejected row that leaves the table as it was.
func TestRun_ImportFacilities(t *testing.T) {
	dir := t.TempDir()
	e := env("SPORTELLO_DB", dir+"/s.db")
	runCmd(t, e, "migrate")
	h := "codice,nome,comune,provincia,regione,patologie,capacita_turno,alberghi\n"
	os.WriteFile(dir+"/f.csv", []byte(h+"T1,Terme Uno,L182,RM,Lazio,reumoartropatica,25,Hotel A|Hotel B\nT2,Terme Due,Z999,RM,Lazio,broncopneumopatica,10,\n"), 0o644)
	out, err := runCmd(t, e, "import", "stabilimenti", dir+"/f.csv")
	if err != nil || !strings.Contains(out, "stabilimenti termali: 2 importati") {
		t.Fatalf("import stabilimenti = %q, %v", out, err)
	}
	if _, ok := comuniBuilt(); ok && !strings.Contains(out, "T2: comune Z999 non presente") {
		t.Errorf("no warning for an unknown place code: %q", out)
	}
	os.WriteFile(dir+"/bad.csv", []byte(h+"T3,Terme Tre,Roma,RM,Lazio,reumoartropatica,25,\n"), 0o644)
	if out, err := runCmd(t, e, "import", "stabilimenti", dir+"/bad.csv"); exitCode(err) != 1 || !strings.Contains(out, "riga 2") {
		t.Fatalf("bad facilities file = %q, %v", out, err)
	}
	db, err := openStore(t.Context(), config.Config{DB: dir + "/s.db"}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := loadFacilities(t.Context(), db)
	if err != nil || len(f.All()) != 2 {
		t.Fatalf("loadFacilities = %+v, %v; want the two imported facilities", f, err)
	}
	if t1, _ := f.ByCode("T1"); t1.Capacity != 25 || len(t1.Hotels) != 2 {
		t.Errorf("T1 = %+v", t1)
	}
}

// REQ RULE-9: the season dates the agency sets replace the default for
// their year.
func TestRun_ImportSeasons(t *testing.T) {
	dir := t.TempDir()
	e := env("SPORTELLO_DB", dir+"/s.db")
	runCmd(t, e, "migrate")
	os.WriteFile(dir+"/s.csv", []byte("anno,inizio,fine\n2027,2027-04-05,2027-11-27\n"), 0o644)
	if out, err := runCmd(t, e, "import", "stagioni", dir+"/s.csv"); err != nil || !strings.Contains(out, "stagioni termali: 1 importati") {
		t.Fatalf("import stagioni = %q, %v", out, err)
	}
	os.WriteFile(dir+"/bad.csv", []byte("anno,inizio,fine\n2027,2027-11-27,2027-04-05\n"), 0o644)
	if out, err := runCmd(t, e, "import", "stagioni", dir+"/bad.csv"); exitCode(err) != 1 || !strings.Contains(out, "riga 2") {
		t.Fatalf("bad seasons file = %q, %v", out, err)
	}
	db, err := openStore(t.Context(), config.Config{DB: dir + "/s.db"}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := loadSeasons(t.Context(), db)
	if err != nil || s.Season(2027).Start.Format("2006-01-02") != "2027-04-05" {
		t.Fatalf("loadSeasons = %+v, %v; want the imported 2027 season", s, err)
	}
}

// comuniBuilt reports whether the generated comuni table is embedded
// (make test generates it; a bare `go test` may not have).
func comuniBuilt() (*comuni.Table, bool) {
	t, err := comuni.Load()
	return t, err == nil || os.Getenv("CI") == "true"
}
