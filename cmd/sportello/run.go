package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/api"
	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/cbt"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/comuni"
	"github.com/sportello/sportello/internal/config"
	"github.com/sportello/sportello/internal/demo"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/httpx"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/importer"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/ops"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/web"

	"golang.org/x/time/rate"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if e, ok := errors.AsType[*exitError](err); ok {
		return e.code
	}
	return 1
}

// run is the whole program; main only supplies the process's context,
// arguments, environment and streams, so tests can call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, cmd, err := config.Parse(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%w\n\nRun `sportello -h` for help.", err)}
	}
	log := cfg.Logger(stderr)
	switch {
	case len(cmd) == 1 && cmd[0] == "version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case len(cmd) == 1 && cmd[0] == "serve":
		return serve(ctx, cfg, log, stdout)
	case len(cmd) == 1 && cmd[0] == "migrate":
		return migrate(ctx, cfg, log, stdout)
	case len(cmd) == 1 && cmd[0] == "demo":
		return loadDemo(ctx, cfg, log, stdout)
	case len(cmd) == 2 && cmd[0] == "audit" && cmd[1] == "verify":
		return verifyAudit(ctx, cfg, log, stdout)
	case len(cmd) == 3 && cmd[0] == "import" && cmd[1] == "comuni":
		return importComuni(ctx, cfg, log, cmd[2], stdout)
	case len(cmd) == 3 && cmd[0] == "import" && cmd[1] == "uffici":
		return importReference(ctx, cfg, log, cmd[2], stdout, officesTable)
	case len(cmd) == 3 && cmd[0] == "import" && cmd[1] == "stabilimenti":
		return importReference(ctx, cfg, log, cmd[2], stdout, facilitiesTable)
	case len(cmd) == 3 && cmd[0] == "import" && cmd[1] == "stagioni":
		return importReference(ctx, cfg, log, cmd[2], stdout, seasonsTable)
	case len(cmd) == 3 && cmd[0] == "import":
		return importFile(ctx, cfg, log, cmd[1], cmd[2], stdout, stderr)
	}
	return &exitError{code: 2, err: fmt.Errorf("unknown command %q: run `sportello -h` for the list of commands", strings.Join(cmd, " "))}
}

func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return fmt.Sprintf("sportello %s (%s, %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// openStore opens the configured database.
// openCurrent opens the store for a command and checks that its schema is
// the one this binary needs.
func openCurrent(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, error) {
	db, err := openStore(ctx, cfg, log, nil)
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openStore(ctx context.Context, cfg config.Config, log *slog.Logger, metrics *ops.Metrics) (*store.DB, error) {
	opts := store.Options{DSN: cfg.DB, Clock: clock.System{}, AuditChain: audit.Chain{Key: cfg.AuditKey}, Logger: log}
	if metrics != nil {
		opts.OnAllocate = metrics.Allocated
		opts.OnBatch = metrics.Batched
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("cannot open the database %s: %w", redact(cfg.DB), err)
	}
	return db, nil
}

// redact hides a password in a database URL before it is printed.
func redact(dsn string) string {
	if store.EngineOf(dsn) != store.Postgres {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	db, err := openStore(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "Schema already current (version %d).\n", db.LatestVersion())
		return nil
	}
	fmt.Fprintf(stdout, "Applied migrations %v; schema at version %d.\n", applied, db.LatestVersion())
	return nil
}

func loadDemo(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	db, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := demo.Load(ctx, db)
	if err != nil {
		return err
	}
	hasher, err := pinHasher(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	users, err := demo.LoadUsers(ctx, db, hasher)
	if err != nil {
		return err
	}
	cases, err := demo.LoadCases(ctx, db)
	if err != nil {
		return err
	}
	certs, err := demo.LoadCertificates(ctx, db, certificate.NewService(db, clock.System{}, certificate.Options{}))
	if err != nil {
		return err
	}
	if res.AlreadyLoaded && !users && !cases && !certs {
		fmt.Fprintln(stdout, "Demo data were already loaded.")
		return nil
	}
	fmt.Fprintf(stdout, "Demo data loaded: %d registrations with their history and audit entries; %d users; %d people with registry records; a doctor's certificates (docs/DEMO.md).\n",
		res.Registrations, len(demo.Users), len(demo.Cases))
	printDemoUsers(stdout)
	return nil
}

func verifyAudit(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	db, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	var anchors []audit.Head
	if cfg.ExpectHead != "" {
		seq, hash, ok := strings.Cut(cfg.ExpectHead, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || len(hash) != 64 {
			return &exitError{code: 2, err: fmt.Errorf("--expect-head: want seq:hash as printed by a previous `audit verify`, got %q", cfg.ExpectHead)}
		}
		anchors = append(anchors, audit.Head{Seq: n, Hash: hash})
	}
	rep, err := db.VerifyAudit(ctx, anchors...)
	if be, ok := errors.AsType[*audit.BreakError](err); ok {
		fmt.Fprintf(stdout, "AUDIT CHAIN BROKEN: first bad entry %d: %s (%d entries before it are intact).\n", be.Seq, be.Reason, rep.Entries)
		return &exitError{code: 1, err: be}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Audit chain intact: %d entries; head %d:%s\n", rep.Entries, rep.Head.Seq, rep.Head.Hash)
	if len(cfg.AuditKey) == 0 {
		fmt.Fprintln(stdout, "Warning: no audit key is configured (--audit-key-file): someone able to rewrite the whole table could forge a consistent chain.")
	}
	fmt.Fprintln(stdout, "Record the head outside the database; later, `sportello audit verify --expect-head <seq:hash>` also detects entries cut off the end.")
	return nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	metrics := ops.NewMetrics(version)
	db, err := openStore(ctx, cfg, log, metrics)
	if err != nil {
		return err
	}
	// The database closes last, after the server has drained.
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("closing the database", "err", err)
		}
		log.Info("stopped")
	}()
	if cfg.Migrate {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			log.Info("schema migrated", "applied", applied, "version", db.LatestVersion())
		}
	}
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	if cfg.Demo {
		res, err := demo.Load(ctx, db)
		switch {
		case errors.Is(err, demo.ErrNotEmpty):
			log.Info("demo data not loaded: the database already holds records")
		case err != nil:
			return err
		case !res.AlreadyLoaded:
			log.Info("demo data loaded", "registrations", res.Registrations)
		}
	}
	metrics.WatchDB(db)
	logAuditHead(ctx, db, log)
	places, err := loadComuni(ctx, db)
	if err != nil {
		log.Warn("comuni", "err", err)
		places = nil
	} else {
		log.Info("comuni loaded", "places", places.Len())
	}
	// The reference tables are read at start-up so that a bad stored table
	// shows in the log at once; the application pages (issues 7–8) take
	// them from the same loaders.
	offices, err := loadOffices(ctx, db)
	if err != nil {
		log.Warn("uffici", "err", err)
		offices = refdata.DefaultOffices()
	} else {
		log.Info("offices loaded", "offices", len(offices.All()))
	}
	if facilities, err := loadFacilities(ctx, db); err != nil {
		log.Warn("stabilimenti", "err", err)
	} else {
		log.Info("spa facilities loaded", "facilities", len(facilities.All()))
	}
	if seasons, err := loadSeasons(ctx, db); err != nil {
		log.Warn("stagioni", "err", err)
	} else {
		log.Info("spa seasons loaded", "years set", seasons.Years())
	}

	secret := cfg.Secret
	if secret == nil {
		// One generated secret, kept in the database so that every node
		// shares it. Prefer --secret-file in production.
		v, err := db.EnsureMeta(ctx, "form_secret", rand.Text()+rand.Text())
		if err != nil {
			return err
		}
		secret = []byte(v)
	}
	hasher, err := pinHasher(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	docKeys, err := documentKeys(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	if cfg.Demo {
		loaded, err := demo.LoadUsers(ctx, db, hasher)
		if err != nil {
			return err
		}
		if loaded {
			log.Info("demo users loaded", "users", len(demo.Users))
		}
		if loaded, err := demo.LoadCases(ctx, db); err != nil {
			return err
		} else if loaded {
			log.Info("demo registry people loaded", "people", len(demo.Cases))
		}
		printDemoUsers(stdout)
	}
	accounts := account.New(db, clock.System{}, log, account.Options{Hasher: hasher, IdleTimeout: cfg.FormTimeout,
		MaxFailures: cfg.LoginFailures, LockFor: cfg.LoginLock,
		PerAddress: rate.Limit(float64(cfg.LoginPerAddress) / 60), Burst: cfg.LoginPerAddress})
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	var publicKeys []ed25519.PublicKey
	for _, k := range docKeys {
		publicKeys = append(publicKeys, k.Public().(ed25519.PublicKey))
	}
	// The services that decide by today's date take the pretended day of a
	// demo installation, if one is set; sessions and the database keep the
	// real clock.
	var today clock.Clock = clock.System{}
	if cfg.Demo && !cfg.FakeToday.IsZero() {
		today = fakeDay{cfg.FakeToday}
		log.Warn("demo: the application pages pretend today is another day", "today", cfg.FakeToday.Format("2006-01-02"))
	}
	certs := certificate.NewService(db, today, certificate.Options{Signer: doctoken.NewSigner(docKeys[0]),
		Verifier: doctoken.NewVerifier(publicKeys...), BaseURL: publicURL(cfg), Agency: agencyName})
	if cfg.Demo {
		if loaded, err := demo.LoadCertificates(ctx, db, certs); err != nil {
			return err
		} else if loaded {
			log.Info("demo certificates loaded", "doctor", "Giorgio Ferrario")
		}
	}
	// Paper applications (CH-2): the transition period ends on
	// --paper-until; a demo installation without one gets this year's
	// application window, so the office's page can be tried.
	paperUntil := cfg.PaperUntil
	if paperUntil.IsZero() && cfg.Demo {
		paperUntil = time.Date(clock.YearInRome(today.Now()), 10, 31, 0, 0, 0, 0, time.UTC)
	}
	applications := cbt.NewService(db, today, cbt.Options{Offices: offices, Comuni: places, Signer: doctoken.NewSigner(docKeys[0]),
		Verifier: doctoken.NewVerifier(publicKeys...), BaseURL: publicURL(cfg), Agency: agencyName, PaperUntil: paperUntil})
	if cfg.Demo {
		if loaded, err := demo.LoadAgenda(ctx, db, today.Now()); err != nil {
			return err
		} else if loaded {
			log.Info("demo visit agenda loaded", "asl", "ASL-RM1 ATS-MI ASL-TO")
		}
	}
	invalidity := inv.NewService(db, today, inv.Options{Offices: offices, Comuni: places, Signer: doctoken.NewSigner(docKeys[0]),
		Verifier: doctoken.NewVerifier(publicKeys...), BaseURL: publicURL(cfg), Agency: agencyName,
		Agenda: inv.Agenda{NoticeDays: cfg.VisitNotice, FastTrackDays: cfg.VisitFastTrack, ChangeUntilDays: cfg.VisitChangeUntil,
			ChangeWithinDays: cfg.VisitChangeWithin}})
	pages, err := web.New(web.Options{DB: db, Clock: today, Log: log, Catalogue: cat, Secret: secret,
		Secure: cfg.HTTPS(), Examples: cfg.Demo, FormTTL: cfg.FormTimeout, Accounts: accounts, Certificates: certs,
		Applications: applications, Invalidity: invalidity, Offices: offices,
		Sender: account.LetterSender{Agency: agencyName, Office: "Sede provinciale di Roma", City: "Roma", BaseURL: publicURL(cfg)}})
	if err != nil {
		return err
	}
	if !pages.AssetsBuilt() {
		fmt.Fprintln(stdout, "Attenzione: i file dell'interfaccia (bootstrap-italia) non sono stati compilati; eseguire `make assets` e ricompilare. / Front-end assets not built: run `make assets` and rebuild.")
	}

	health := &ops.Health{DB: db}
	mux := http.NewServeMux()
	health.Routes(mux, metrics.Handler())
	// API clients authenticate with the tokens users create on their
	// profile ("spt_…"); a static tokens file, if given, is still accepted
	// for integration tests.
	var static api.Authenticator
	if cfg.APITokensFile != "" {
		tokens, err := api.LoadStaticTokens(cfg.APITokensFile)
		if err != nil {
			return err
		}
		log.Warn("API tokens also come from a static file: for integration tests only", "tokens", tokens.Len())
		static = tokens
	}
	apiAuth := api.AuthFunc(func(ctx context.Context, token string) (api.Principal, error) {
		if strings.HasPrefix(token, "spt_") {
			a, scopes, err := accounts.AuthenticateAPIToken(ctx, token)
			if apperr.Is(err, apperr.Unauthenticated) {
				return api.Principal{}, api.ErrInvalidToken
			}
			if err != nil {
				return api.Principal{}, err
			}
			return api.Principal{Actor: a.ID(), Role: string(a.Role), Scopes: scopes, Person: a}, nil
		}
		if static != nil {
			return static.Authenticate(ctx, token)
		}
		return api.Principal{}, api.ErrInvalidToken
	})
	api.New(api.Options{DB: db, Clock: clock.System{}, Logger: log, Version: version, Auth: apiAuth, Catalogue: cat,
		Certificates: certs, Applications: applications, Mandates: accounts, Invalidity: invalidity, Offices: offices}).Routes(mux)
	pages.Routes(mux)
	var inflight httpx.InFlight
	handler := httpx.Chain(mux,
		inflight.Track,
		httpx.RequestID,
		// Security headers first: every response carries them, also the
		// redirects the session middleware answers with.
		httpx.SecurityHeaders(cfg.HTTPS()),
		httpx.Deadline(55*time.Second),
		web.Localize,
		pages.Session,
		// Observe must be the last to copy the request before the mux,
		// which records the matched route in the request it is given.
		httpx.Observe(time.Now, httpx.LogRequests(log), metrics.Observe),
		httpx.Recover(log),
		http.NewCrossOriginProtection().Handler,
	)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	// Requests get a context that is not cancelled by the shutdown signal,
	// so that those in flight can finish; it is cancelled only if they
	// overrun the shutdown timeout.
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv := httpx.NewServer(handler, reqCtx, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	log.Info("listening", "url", url, "db", redact(cfg.DB), "engine", db.Engine(), "version", version)
	fmt.Fprintf(stdout, "Sportello in ascolto su %s\n", url)

	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout, "drain_delay", cfg.DrainDelay)
	health.Drain()
	time.Sleep(cfg.DrainDelay) // load balancers see /readyz fail and stop sending traffic
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if err != nil {
		// Overran: tell the stragglers to stop, and wait for them before
		// the database closes under them.
		cancelRequests()
		if !inflight.Wait(10 * time.Second) {
			log.Error("requests still running after shutdown; closing the database anyway")
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// fakeDay is the clock of a demo installation that pretends today is
// another day (--fake-today): that day, at the real time of day in Rome.
type fakeDay struct{ day time.Time }

func (c fakeDay) Now() time.Time {
	now := time.Now().In(clock.Rome)
	y, m, d := c.day.Date()
	return time.Date(y, m, d, now.Hour(), now.Minute(), now.Second(), now.Nanosecond(), clock.Rome)
}

// logAuditHead writes the audit chain's head to the log, where it lives
// outside the database: an anchor for `audit verify --expect-head`.
func logAuditHead(ctx context.Context, db *store.DB, log *slog.Logger) {
	if h, err := db.AuditHead(ctx); err == nil {
		log.Info("audit head", "head", fmt.Sprintf("%d:%s", h.Seq, h.Hash))
	}
}

// printDemoUsers lists the demo accounts and their PINs: public, for trying
// the service; demo installations only.
func printDemoUsers(w io.Writer) {
	fmt.Fprintln(w, "Utenti dimostrativi / demo users (codice fiscale, PIN, profili):")
	for _, u := range demo.Users {
		var roles []string
		for _, g := range u.Roles {
			r := string(g.Role)
			if g.Scope != "" {
				r += " " + g.Scope
			}
			roles = append(roles, r)
		}
		fmt.Fprintf(w, "  %-16s  %s  %-18s %s\n", u.Person.FiscalCode, u.PIN, u.Person.FullName(), strings.Join(roles, ", "))
	}
}

// pinHasher returns the PIN hasher with the configured pepper, or with one
// generated once and kept in the database (acceptable for demos only: a
// pepper is worth something only outside the database).
func pinHasher(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger) (identity.Hasher, error) {
	if cfg.Pepper != nil {
		return identity.Hasher{Pepper: cfg.Pepper}, nil
	}
	if store.EngineOf(cfg.DB) == store.Postgres {
		log.Warn("no --pepper-file: the PIN pepper is kept in the database, which defeats its purpose; give every node the same pepper file")
	}
	v, err := db.EnsureMeta(ctx, "pin_pepper", rand.Text()+rand.Text())
	if err != nil {
		return identity.Hasher{}, err
	}
	return identity.Hasher{Pepper: []byte(v)}, nil
}

// agencyName is printed on letters and documents.
const agencyName = "Istituto previdenziale"

// documentKeys returns the keys that sign the QR codes of documents:
// --doc-key-file, or, on demo installations, one generated on first start
// and kept in the database. Outside demo mode the file is required: a key
// in the database would let anyone who reads a backup forge documents.
func documentKeys(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger) ([]ed25519.PrivateKey, error) {
	if len(cfg.DocKeys) > 0 {
		return cfg.DocKeys, nil
	}
	if !cfg.Demo {
		return nil, errors.New("serve: --doc-key-file is required outside demo mode (create the key with `openssl genpkey -algorithm ed25519 -out documenti.pem`)")
	}
	k, err := doctoken.GenerateKey()
	if err != nil {
		return nil, err
	}
	pemKey, err := doctoken.EncodeKey(k)
	if err != nil {
		return nil, err
	}
	v, err := db.EnsureMeta(ctx, "demo_doc_key", string(pemKey))
	if err != nil {
		return nil, err
	}
	log.Warn("demo mode: the key that signs document QR codes is kept in the database; give --doc-key-file in production")
	return doctoken.DecodeKeys([]byte(v))
}

// publicURL is the address printed on letters: --public-url, or the
// listening address when it is not set (demo installations). Never the
// Host of a request, which anyone can forge.
func publicURL(cfg config.Config) string {
	if cfg.PublicURL == nil {
		return "http://" + cfg.Addr
	}
	return strings.TrimSuffix(cfg.PublicURL.String(), "/")
}

// importFile loads a registry extract: `sportello import KIND FILE`. It
// shows a progress bar on stderr, imports the good rows, lists every
// rejected row with its line and reason, and can be run again on the same
// file. Exit status 0 when at least the good rows were imported, 1 when
// the file could not be read or every row was rejected.
func importFile(ctx context.Context, cfg config.Config, log *slog.Logger, kind, path string, stdout, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	db, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	progress := func(n int64) {
		if size > 0 {
			pct := min(100, n*100/size)
			bar := strings.Repeat("█", int(pct/4)) + strings.Repeat("░", 25-int(pct/4))
			fmt.Fprintf(stderr, "\rImportazione %s: %s %3d%%", kind, bar, pct)
		}
	}
	places, perr := loadComuni(ctx, db)
	if perr != nil {
		places = nil
		fmt.Fprintf(stderr, "Tabella dei comuni non disponibile (%v): luoghi non verificati.\n", perr)
	}
	rep, err := importer.RunOptions(ctx, db, kind, f, importer.Options{Progress: progress, Places: places})
	if size > 0 {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "%s: %d righe lette, %d importate, %d scartate in %s (%.0f righe/s).\n", kind, rep.Rows, rep.Imported,
		len(rep.Rejected), elapsed.Round(time.Millisecond), float64(rep.Rows)/max(elapsed.Seconds(), 1e-9))
	for _, r := range rep.Rejected {
		fmt.Fprintf(stdout, "  riga %d: %s\n", r.Line, r.Reason)
	}
	if n := len(rep.Warnings); n > 0 {
		fmt.Fprintf(stdout, "%d avvisi su righe importate (da verificare):\n", n)
		const shown = 100
		for _, w := range rep.Warnings[:min(n, shown)] {
			fmt.Fprintf(stdout, "  riga %d: attenzione: %s\n", w.Line, w.Reason)
		}
		if n > shown {
			fmt.Fprintf(stdout, "  … e altri %d\n", n-shown)
		}
	}
	if rep.Imported == 0 && rep.Rows > 0 {
		return &exitError{code: 1, err: fmt.Errorf("no row of %s could be imported", path)}
	}
	return nil
}

// loadComuni returns the table of comuni and foreign states: the one
// imported with `sportello import comuni` if any, else the embedded one.
func loadComuni(ctx context.Context, db *store.DB) (*comuni.Table, error) {
	if s, err := db.Meta(ctx, "comuni_csv"); err == nil && s != "" {
		t, _, err := comuni.ReadCSV(strings.NewReader(s))
		return t, err
	}
	return comuni.Load()
}

// loadOffices returns the table of offices and health authorities: the
// one imported with `sportello import uffici` if any, else the embedded
// partial one.
func loadOffices(ctx context.Context, db *store.DB) (*refdata.Offices, error) {
	return loadStored(ctx, db, officesTable.key, refdata.ReadOffices, refdata.DefaultOffices)
}

// loadStored reads the reference table kept under key by `sportello
// import`, or returns fallback() when none was imported.
func loadStored[T any](ctx context.Context, db *store.DB, key string, read func(io.Reader) (T, []refdata.RowError, error), fallback func() T) (T, error) {
	s, err := db.Meta(ctx, key)
	if err != nil || s == "" {
		return fallback(), err
	}
	t, bad, err := read(strings.NewReader(s))
	if err == nil && len(bad) > 0 {
		err = fmt.Errorf("stored table %s: %d bad rows", key, len(bad))
	}
	return t, err
}

// loadFacilities returns the table of spa facilities: the one imported
// with `sportello import stabilimenti` if any, else the embedded partial one.
func loadFacilities(ctx context.Context, db *store.DB) (*refdata.Facilities, error) {
	return loadStored(ctx, db, facilitiesTable.key, refdata.ReadFacilities, refdata.DefaultFacilities)
}

// importComuni replaces the embedded table of comuni with a file in the
// same format (belfiore,istat,nome,provincia,regione,dal,al,stato). A file
// with any bad row is refused as a whole, so a partial table never
// replaces a complete one.
func importComuni(ctx context.Context, cfg config.Config, log *slog.Logger, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer f.Close()
	t, bad, err := comuni.ReadCSV(f)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	for _, b := range bad {
		fmt.Fprintf(stdout, "  riga %d: %s\n", b.Line, b.Reason)
	}
	if len(bad) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d bad rows: the table was not replaced", len(bad))}
	}
	var buf bytes.Buffer
	if err := comuni.WriteCSV(&buf, t.Places()); err != nil {
		return err
	}
	db, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, "comuni_csv", buf.String()) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "comuni: %d luoghi importati; sostituiscono la tabella incorporata.\n", t.Len())
	return nil
}

// refTable is a reference table kept whole in the database's meta table:
// an import replaces the embedded default, and start-up loads it back.
type refTable struct {
	key  string // meta key
	what string // Italian, for the report
	// check parses a file and returns its rows, the rejected rows and
	// warnings that do not stop the import.
	check func(b []byte, places *comuni.Table) (rows int, bad []refdata.RowError, warn []string, err error)
}

var officesTable = refTable{key: "uffici_csv", what: "uffici e aziende sanitarie",
	check: func(b []byte, places *comuni.Table) (int, []refdata.RowError, []string, error) {
		o, bad, err := refdata.ReadOffices(bytes.NewReader(b))
		if err != nil {
			return 0, nil, nil, err
		}
		var warn []string
		for _, of := range o.All() {
			for _, c := range of.Comuni {
				if _, ok := places.ByCodeAny(c); !ok {
					warn = append(warn, fmt.Sprintf("%s: comune %s non presente nella tabella dei comuni", of.Code, c))
				}
			}
		}
		return len(o.All()), bad, warn, nil
	}}

var facilitiesTable = refTable{key: "stabilimenti_csv", what: "stabilimenti termali",
	check: func(b []byte, places *comuni.Table) (int, []refdata.RowError, []string, error) {
		f, bad, err := refdata.ReadFacilities(bytes.NewReader(b))
		if err != nil {
			return 0, nil, nil, err
		}
		var warn []string
		for _, x := range f.All() {
			// A well-formed code missing from the table is reported but
			// accepted: the table may be older than the file.
			if p, ok := places.ByCodeAny(x.Comune); !ok {
				warn = append(warn, fmt.Sprintf("%s: comune %s non presente nella tabella dei comuni", x.Code, x.Comune))
			} else if p.Province != x.Province {
				warn = append(warn, fmt.Sprintf("%s: il comune %s (%s) è in provincia di %s, non %s", x.Code, x.Comune, p.Name, p.Province, x.Province))
			}
		}
		return len(f.All()), bad, warn, nil
	}}

var seasonsTable = refTable{key: "stagioni_csv", what: "stagioni termali",
	check: func(b []byte, _ *comuni.Table) (int, []refdata.RowError, []string, error) {
		s, bad, err := refdata.ReadSeasons(bytes.NewReader(b))
		if err != nil {
			return 0, nil, nil, err
		}
		return s.Years(), bad, nil, nil
	}}

// loadSeasons returns the season dates set with `sportello import
// stagioni`; years not set get the default season.
func loadSeasons(ctx context.Context, db *store.DB) (*refdata.Seasons, error) {
	return loadStored(ctx, db, seasonsTable.key, refdata.ReadSeasons, func() *refdata.Seasons { return &refdata.Seasons{} })
}

// importReference replaces an embedded reference table with a file; a
// file with any bad row is refused whole, so that a partial table never
// replaces a complete one.
func importReference(ctx context.Context, cfg config.Config, log *slog.Logger, path string, stdout io.Writer, t refTable) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, err)
	}
	db, err := openCurrent(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	places, err := loadComuni(ctx, db)
	if err != nil {
		return err
	}
	n, bad, warn, err := t.check(b, places)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	for _, r := range bad {
		fmt.Fprintf(stdout, "  riga %d: %s\n", r.Line, r.Reason)
	}
	for _, w := range warn {
		fmt.Fprintf(stdout, "  attenzione: %s\n", w)
	}
	if len(bad) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d bad rows: the table was not replaced", len(bad))}
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SetMeta(ctx, t.key, string(b)) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d importati; sostituiscono la tabella incorporata.\n", t.what, n)
	return nil
}
