// Package config parses Sportello's settings from command-line flags and
// SPORTELLO_* environment variables (a flag wins over its variable), and
// checks them before anything starts.
package config

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/doctoken"
)

// DefaultDB is the embedded database file used when none is given.
const DefaultDB = "sportello.db"

// Config is the typed configuration passed down from run.
type Config struct {
	Addr            string
	DB              string
	Demo            bool
	Migrate         bool
	LogLevel        slog.Level
	LogFormat       string // "json" or "text"
	AuditKey        []byte // HMAC key of the audit chain; empty means none
	ExpectHead      string // audit verify: a head recorded earlier, "seq:hash"
	ShutdownTimeout time.Duration
	DrainDelay      time.Duration
	Secret          []byte        // keys form tokens; shared by all nodes
	Pepper          []byte        // keys PIN hashes; kept outside the database
	APITokensFile   string        // stopgap bearer tokens for the API until identity lands
	FormTimeout     time.Duration // how long a form stays valid; warned 2 minutes before
	LoginFailures   int           // failed logins in a row before the account locks
	LoginPerAddress int           // login attempts a minute from one client address (and burst)
	LoginLock       time.Duration // how long the lock lasts
	PublicURL       *url.URL      // how users reach the service; https turns on Secure cookies and HSTS
	// DocKeys sign the verification codes printed on documents: the first
	// signs, all verify (retired keys stay for documents already printed).
	DocKeys []ed25519.PrivateKey
	// FakeToday, on demo installations only, is the day the services take
	// as today (midnight UTC of that date), to try the application window
	// whatever the real date; zero means the real date.
	FakeToday time.Time
	// PaperUntil is the last day of the transition period in which office
	// staff register paper applications (CH-2); zero: no such period.
	PaperUntil time.Time
	// The visit agenda's limits (AG-1, AG-2), in days: the notice of a
	// summons, the cancer fast track, how close to the visit its date may
	// still be changed, and how far after the proposed date a new one may
	// be.
	VisitNotice, VisitFastTrack, VisitChangeUntil, VisitChangeWithin int
}

// HTTPS reports whether users reach the service over HTTPS.
func (c Config) HTTPS() bool { return c.PublicURL != nil && c.PublicURL.Scheme == "https" }

// Usage is printed for -h and for command errors.
const Usage = `Usage: sportello [flags] [command]

Commands:
  serve          run the web pages, the JSON API and the worker (default)
  migrate        bring the database schema up to date
  demo           load demo data into an empty database
  audit verify   check the audit chain; exit status 1 names the first bad entry
  import KIND FILE  load a registry extract (CSV): persone, contributi, pensioni, rapporti, cure_ssn, cicli;
                 or reference data: comuni, uffici, stabilimenti, stagioni
  version        print the version

Flags (each also read from the environment variable shown):
`

// setting declares one flag once: name, environment variable, default and
// help text.
type setting struct {
	name, env, def, help string
	boolean              bool // may be given as --name alone
}

var settings = []setting{
	{"addr", "SPORTELLO_ADDR", "127.0.0.1:8080", "address to listen on", false},
	{"db", "SPORTELLO_DB", DefaultDB, "SQLite file, or a postgres:// URL for PostgreSQL", false},
	{"demo", "SPORTELLO_DEMO", "", "load demo data into an empty database (default: on for the default SQLite file)", true},
	{"migrate", "SPORTELLO_MIGRATE", "", "serve: migrate an outdated schema instead of refusing it (default: on for SQLite, off for PostgreSQL)", true},
	{"log-level", "SPORTELLO_LOG_LEVEL", "info", "debug, info, warn or error", false},
	{"log-format", "SPORTELLO_LOG_FORMAT", "json", "json or text", false},
	{"audit-key-file", "SPORTELLO_AUDIT_KEY_FILE", "", "file holding the secret key of the audit chain", false},
	{"pepper-file", "SPORTELLO_PEPPER_FILE", "", "file holding the pepper of PIN hashes, kept outside the database (default: one generated and kept in the database — demo only)", false},
	{"secret-file", "SPORTELLO_SECRET_FILE", "", "file holding the secret that signs form tokens (default: one generated and kept in the database)", false},
	{"api-tokens-file", "SPORTELLO_API_TOKENS_FILE", "", "file of API bearer tokens, one \"token role actor\" per line (a stopgap until identity lands)", false},
	{"doc-key-file", "SPORTELLO_DOC_KEY_FILE", "", "PEM file of the Ed25519 key that signs the QR codes on documents; retired keys may follow it (required to serve outside demo mode; create one with `openssl genpkey -algorithm ed25519`)", false},
	{"public-url", "SPORTELLO_PUBLIC_URL", "", "the address users reach, e.g. https://sportello.example.it (https: Secure cookies and HSTS)", false},
	{"expect-head", "SPORTELLO_AUDIT_EXPECT_HEAD", "", "audit verify: a chain head recorded earlier (seq:hash) that must still be in the chain", false},
	{"shutdown-timeout", "SPORTELLO_SHUTDOWN_TIMEOUT", "30s", "how long in-flight requests may take to finish on shutdown", false},
	{"form-timeout", "SPORTELLO_FORM_TIMEOUT", "30m", "how long a form page stays valid (users are warned 2 minutes before; what they typed is kept)", false},
	{"login-failures", "SPORTELLO_LOGIN_FAILURES", "5", "failed logins in a row before an account locks", false},
	{"login-lock", "SPORTELLO_LOGIN_LOCK", "15m", "how long a locked account stays locked", false},
	{"login-per-address", "SPORTELLO_LOGIN_PER_ADDRESS", "10", "login attempts a minute from one client address (raise it for offices behind one NAT address)", false},
	{"drain-delay", "SPORTELLO_DRAIN_DELAY", "0s", "on shutdown, how long /readyz fails before the listener closes (let load balancers notice)", false},
	{"fake-today", "SPORTELLO_FAKE_TODAY", "", "demo only: pretend today is this date (YYYY-MM-DD), for trying the application window", false},
	{"visit-notice-days", "SPORTELLO_VISIT_NOTICE_DAYS", "10", "civil invalidity: a summons is booked at least this many days ahead", false},
	{"visit-fast-track-days", "SPORTELLO_VISIT_FAST_TRACK_DAYS", "15", "civil invalidity: with cancer in progress the visit is due within this many days (L. 80/2006)", false},
	{"visit-change-until-days", "SPORTELLO_VISIT_CHANGE_UNTIL_DAYS", "2", "civil invalidity: the visit's date may be changed up to this many days before it", false},
	{"visit-change-within-days", "SPORTELLO_VISIT_CHANGE_WITHIN_DAYS", "60", "civil invalidity: a new visit date is at most this many days after the proposed one", false},
	{"paper-until", "SPORTELLO_PAPER_UNTIL", "", "last day (YYYY-MM-DD) of the transition period in which office staff register paper applications (default: none; on demo installations 31 October of this year)", false},
}

// Parse reads args (without the program name) and the environment through
// getenv. It returns the configuration and the command words, e.g.
// ["audit", "verify"]; flags may come before or after them. For -h it
// prints the usage to out and returns flag.ErrHelp.
func Parse(args []string, getenv func(string) string, out io.Writer) (Config, []string, error) {
	fs := flag.NewFlagSet("sportello", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	vals := map[string]*string{}
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		help := fmt.Sprintf("%s [%s]", s.help, s.env)
		if s.boolean {
			v := &boolText{s: def}
			vals[s.name] = &v.s
			fs.Var(v, s.name, help)
			continue
		}
		vals[s.name] = fs.String(s.name, def, help)
	}
	var cmd []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(out, Usage)
				fs.SetOutput(out)
				fs.PrintDefaults()
			}
			return Config{}, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		cmd = append(cmd, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(cmd) == 0 {
		cmd = []string{"serve"}
	}

	c := Config{Addr: *vals["addr"], DB: *vals["db"], LogFormat: *vals["log-format"], ExpectHead: *vals["expect-head"],
		APITokensFile: *vals["api-tokens-file"]}
	problems := []string{}
	sqlite := !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://")
	var err error
	if c.Demo, err = parseBool(*vals["demo"], c.DB == DefaultDB); err != nil {
		problems = append(problems, "--demo: "+err.Error())
	}
	if c.Migrate, err = parseBool(*vals["migrate"], sqlite); err != nil {
		problems = append(problems, "--migrate: "+err.Error())
	}
	if err := c.LogLevel.UnmarshalText([]byte(*vals["log-level"])); err != nil {
		problems = append(problems, "--log-level: want debug, info, warn or error")
	}
	if c.ShutdownTimeout, err = time.ParseDuration(*vals["shutdown-timeout"]); err != nil {
		problems = append(problems, "--shutdown-timeout: want a duration such as 30s")
	}
	if c.FormTimeout, err = time.ParseDuration(*vals["form-timeout"]); err != nil || c.FormTimeout < 2*time.Minute {
		problems = append(problems, "--form-timeout: want a duration of at least 2m, such as 30m")
	}
	if c.LoginFailures, err = strconv.Atoi(*vals["login-failures"]); err != nil || c.LoginFailures < 1 || c.LoginFailures > 100 {
		problems = append(problems, "--login-failures: want a number between 1 and 100")
	}
	for _, d := range []struct {
		name     string
		p        *int
		min, max int
	}{{"visit-notice-days", &c.VisitNotice, 1, 90}, {"visit-fast-track-days", &c.VisitFastTrack, 1, 90},
		{"visit-change-until-days", &c.VisitChangeUntil, 1, 30}, {"visit-change-within-days", &c.VisitChangeWithin, 1, 365}} {
		if *d.p, err = strconv.Atoi(*vals[d.name]); err != nil || *d.p < d.min || *d.p > d.max {
			problems = append(problems, fmt.Sprintf("--%s: want a number of days between %d and %d", d.name, d.min, d.max))
		}
	}
	if c.LoginPerAddress, err = strconv.Atoi(*vals["login-per-address"]); err != nil || c.LoginPerAddress < 1 || c.LoginPerAddress > 10000 {
		problems = append(problems, "--login-per-address: want a number between 1 and 10000")
	}
	if c.LoginLock, err = time.ParseDuration(*vals["login-lock"]); err != nil || c.LoginLock < time.Minute {
		problems = append(problems, "--login-lock: want a duration of at least 1m, such as 15m")
	}
	if c.DrainDelay, err = time.ParseDuration(*vals["drain-delay"]); err != nil || c.DrainDelay < 0 {
		problems = append(problems, "--drain-delay: want a duration such as 5s")
	}
	if f := *vals["audit-key-file"]; f != "" {
		key, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, "--audit-key-file: "+err.Error())
		}
		c.AuditKey = []byte(strings.TrimSpace(string(key)))
	}
	if f := *vals["secret-file"]; f != "" {
		secret, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, "--secret-file: "+err.Error())
		}
		c.Secret = []byte(strings.TrimSpace(string(secret)))
	}
	if f := *vals["pepper-file"]; f != "" {
		pepper, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, "--pepper-file: "+err.Error())
		}
		c.Pepper = []byte(strings.TrimSpace(string(pepper)))
		if len(c.Pepper) < 32 {
			problems = append(problems, "--pepper-file: the pepper must be at least 32 characters")
		}
	}
	if f := *vals["doc-key-file"]; f != "" {
		data, err := os.ReadFile(f)
		if err == nil {
			c.DocKeys, err = doctoken.DecodeKeys(data)
		}
		if err != nil {
			problems = append(problems, "--doc-key-file: "+err.Error())
		}
	}
	if d := *vals["fake-today"]; d != "" {
		if c.FakeToday, err = time.Parse("2006-01-02", d); err != nil {
			problems = append(problems, "--fake-today: want a date such as 2026-03-15")
		}
	}
	if d := *vals["paper-until"]; d != "" {
		if c.PaperUntil, err = time.Parse("2006-01-02", d); err != nil {
			problems = append(problems, "--paper-until: want a date such as 2027-03-31")
		}
	}
	if p := *vals["public-url"]; p != "" {
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "--public-url: want an absolute http or https URL")
		}
		c.PublicURL = u
	}
	if len(problems) > 0 {
		return c, cmd, errors.New(strings.Join(problems, "; "))
	}
	return c, cmd, c.Validate()
}

// boolText is a flag that may stand alone (--demo) or carry a value
// (--demo=false), and stays "" when neither the flag nor its variable is
// given, so that the default can depend on other settings.
type boolText struct{ s string }

func (b *boolText) String() string     { return b.s }
func (b *boolText) Set(v string) error { b.s = v; return nil }
func (b *boolText) IsBoolFlag() bool   { return true }

func parseBool(s string, def bool) (bool, error) {
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("want true or false, got %q", s)
	}
	return b, nil
}

// Validate checks values and their combinations.
func (c Config) Validate() error {
	var problems []string
	if c.Addr == "" {
		problems = append(problems, "--addr is empty")
	}
	if c.DB == "" {
		problems = append(problems, "--db is empty")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		problems = append(problems, "--log-format: want json or text")
	}
	if c.ShutdownTimeout <= 0 {
		problems = append(problems, "--shutdown-timeout must be positive")
	}
	if c.Secret != nil && len(c.Secret) < 32 {
		problems = append(problems, "--secret-file: the secret must be at least 32 characters")
	}
	if c.AuditKey != nil && len(c.AuditKey) < 16 {
		problems = append(problems, "--audit-key-file: the key must be at least 16 characters")
	}
	if !c.FakeToday.IsZero() && !c.Demo {
		// A pretended date would accept applications outside their
		// window (CBT-14): never on a real installation.
		problems = append(problems, "--fake-today is for demo installations only (--demo)")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Logger builds the process logger.
func (c Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
