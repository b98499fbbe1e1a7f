package account_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/sportello/sportello/internal/account"
	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

const cf = "RSSMRA56L12H501D"

var hasher = identity.Hasher{Pepper: []byte("test-pepper-test-pepper"), MemoryKiB: 1024, Time: 1}

type env struct {
	db  *store.DB
	clk *clock.Manual
	svc *account.Service
	pin string
	uid int64
}

func newEnv(t *testing.T, tg storetest.Target, opt account.Options) *env {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	db := tg.New(t, store.Options{Clock: clk})
	opt.Hasher = hasher
	e := &env{db: db, clk: clk, svc: account.New(db, clk, nil, opt), pin: identity.NewPIN()}
	e.uid = mustUser(t, db, cf, e.pin, identity.RoleCitizen, "")
	return e
}

func mustUser(t *testing.T, db *store.DB, fiscalCode, pin string, role identity.Role, scope string) int64 {
	t.Helper()
	var id int64
	err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		if err := tx.UpsertPerson(context.Background(), identity.Person{FiscalCode: fiscalCode, GivenName: "Mario", FamilyName: "Rossi",
			BirthDate: "1956-07-12", BirthPlace: "Roma", Sex: "M", Address: "Via Roma 1", Postcode: "00100", Municipality: "Roma", Province: "RM"}); err != nil {
			return err
		}
		if id, err = tx.EnsureUser(context.Background(), fiscalCode); err != nil {
			return err
		}
		if err := tx.SetPIN(context.Background(), id, hasher.Hash(pin), "counter", false); err != nil {
			return err
		}
		_, err = tx.GrantRole(context.Background(), id, role, scope, "test")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func auditActions(t *testing.T, db *store.DB) []string {
	t.Helper()
	es, err := db.AuditTrail(context.Background(), "person:"+cf, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

// REQ ID-4 AUD-1: login with codice fiscale and the complete PIN; every
// wrong answer gets the same message; every attempt is audited.
func TestLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{})
		for _, tc := range []struct {
			name, cf, pin string
		}{
			{"wrong PIN", cf, identity.NewPIN()},
			{"first half only", cf, e.pin[:8]},
			{"unknown person", "VRDGNN60B45F205Y", e.pin},
			{"empty", "", ""},
		} {
			if _, _, err := e.svc.Login(ctx, tc.cf, tc.pin, "10.0.0.1", "web"); err != account.ErrBadCredentials {
				t.Errorf("%s: %v; want the one bad-credentials answer", tc.name, err)
			}
		}
		token, u, err := e.svc.Login(ctx, " rssmra56l12h501d ", strings.ToLower(e.pin), "10.0.0.1", "web")
		if err != nil || token == "" || u.ID != e.uid {
			t.Fatalf("Login = %q, %+v, %v", token, u, err)
		}
		a, _, err := e.svc.Authenticate(ctx, token)
		if err != nil || a.FiscalCode != cf || a.Role != identity.RoleCitizen || a.Name != "Mario Rossi" {
			t.Fatalf("Authenticate = %+v, %v", a, err)
		}
		got := strings.Join(auditActions(t, e.db), " ")
		if got != "login.failure login.failure login.success" {
			t.Errorf("audit trail of the person = %q", got)
		}
	})
}

// REQ ID-4: repeated failures lock the account for a while, even for the
// right PIN; the lock ends by itself; a success resets the count.
func TestLogin_Lockout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{MaxFailures: 3, LockFor: 10 * time.Minute})
		wrong := identity.NewPIN()
		e.svc.Login(ctx, cf, wrong, "a", "web")
		e.svc.Login(ctx, cf, wrong, "a", "web")
		if _, _, err := e.svc.Login(ctx, cf, e.pin, "a", "web"); err != nil {
			t.Fatalf("right PIN after 2 failures: %v", err)
		}
		for i := range 3 {
			_, _, err := e.svc.Login(ctx, cf, wrong, "a", "web")
			if i < 2 && err != account.ErrBadCredentials || i == 2 && err != account.ErrLocked {
				t.Fatalf("failure %d = %v", i+1, err)
			}
		}
		if _, _, err := e.svc.Login(ctx, cf, e.pin, "a", "web"); err != account.ErrLocked {
			t.Fatalf("right PIN while locked = %v; want ErrLocked", err)
		}
		e.clk.Advance(10*time.Minute + time.Second)
		if _, _, err := e.svc.Login(ctx, cf, e.pin, "a", "web"); err != nil {
			t.Fatalf("right PIN after the lock: %v", err)
		}
		got := strings.Join(auditActions(t, e.db), " ")
		if !strings.Contains(got, "login.failure login.failure login.lock login.locked login.success") {
			t.Errorf("audit trail = %q; want failures, the lock, the refused attempt and the success", got)
		}
	})
}

// REQ ID-4: one client address cannot try PINs fast, whatever the accounts.
func TestLogin_ThrottlePerAddress(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{PerAddress: rate.Every(time.Minute), Burst: 3})
		for i := range 3 {
			if _, _, err := e.svc.Login(ctx, "XXXXXX00X00X000"+string(rune('A'+i)), "x", "192.0.2.7", "web"); err != account.ErrBadCredentials {
				t.Fatalf("attempt %d = %v", i, err)
			}
		}
		if _, _, err := e.svc.Login(ctx, cf, e.pin, "192.0.2.7", "web"); !apperr.Is(err, apperr.Throttled) {
			t.Fatalf("4th attempt from the address = %v; want Throttled", err)
		}
		if _, _, err := e.svc.Login(ctx, cf, e.pin, "192.0.2.8", "web"); err != nil {
			t.Fatalf("another address: %v", err)
		}
		e.clk.Advance(time.Minute)
		if _, _, err := e.svc.Login(ctx, cf, e.pin, "192.0.2.7", "web"); err != nil {
			t.Fatalf("after a minute: %v", err)
		}
	})
}

// REQ ID-4: sessions end when idle, at their absolute limit, at logout
// and everywhere at once; a PIN change ends every other session.
func TestSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{IdleTimeout: 30 * time.Minute, MaxAge: 2 * time.Hour})
		login := func() string {
			t.Helper()
			tok, _, err := e.svc.Login(ctx, cf, e.pin, "a", "web")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		alive := func(tok string) bool {
			_, _, err := e.svc.Authenticate(ctx, tok)
			return err == nil
		}
		idle := login()
		e.clk.Advance(31 * time.Minute)
		if alive(idle) {
			t.Error("a session idle for 31 minutes still works")
		}
		busy := login()
		for range 4 { // used every 25 minutes: alive until the absolute limit
			e.clk.Advance(25 * time.Minute)
			if !alive(busy) {
				t.Fatal("a busy session ended before its absolute limit")
			}
		}
		e.clk.Advance(25 * time.Minute) // 2h05m after login, 25 minutes after last use
		if alive(busy) {
			t.Error("a session outlived its absolute limit")
		}
		a, b := login(), login()
		actor, _, _ := e.svc.Authenticate(ctx, a)
		if err := e.svc.Logout(ctx, actor, a); err != nil || alive(a) || !alive(b) {
			t.Fatalf("logout: %v; a alive %v, b alive %v", err, alive(a), alive(b))
		}
		c := login()
		if n, err := e.svc.LogoutEverywhere(ctx, actor); err != nil || n < 2 || alive(b) || alive(c) {
			t.Fatalf("logout everywhere = %d, %v", n, err)
		}
		d, f := login(), login()
		actor, _, _ = e.svc.Authenticate(ctx, d)
		next := identity.NewPIN()
		if err := e.svc.ChangePIN(ctx, actor, d, e.pin, next); err != nil {
			t.Fatal(err)
		}
		if !alive(d) || alive(f) {
			t.Errorf("after a PIN change: this session alive %v (want true), the other %v (want false)", alive(d), alive(f))
		}
		if _, _, err := e.svc.Login(ctx, cf, e.pin, "a", "web"); err != account.ErrBadCredentials {
			t.Errorf("old PIN after the change = %v", err)
		}
		if _, _, err := e.svc.Login(ctx, cf, next, "a", "web"); err != nil {
			t.Errorf("new PIN: %v", err)
		}
		err := e.svc.ChangePIN(ctx, actor, d, "wrong", "short")
		if ae, ok := err.(*apperr.Error); !ok || ae.Fields["attuale"] == "" || ae.Fields["nuovo"] == "" {
			t.Errorf("bad PIN change = %v; want field messages for both", err)
		}
	})
}

// REQ ID-4: the lock behaves the same whether the account exists or not
// (no enumeration), and concurrent guesses cannot check more PINs than the
// limit in one lock window.
func TestLogin_LockParityAndConcurrency(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg, account.Options{MaxFailures: 5, LockFor: 15 * time.Minute, PerAddress: rate.Inf})
		for _, who := range []string{"NRECRL70A01H501B" /* no account */, cf} {
			var errs []error
			for range 6 {
				_, _, err := e.svc.Login(ctx, who, identity.NewPIN(), "a", "web")
				errs = append(errs, err)
			}
			for i, err := range errs {
				want := account.ErrBadCredentials
				if i >= 4 {
					want = account.ErrLocked
				}
				if err != want {
					t.Errorf("%s attempt %d = %v; want %v", who, i+1, err, want)
				}
			}
		}
		// A fresh account under a burst of 30 concurrent wrong PINs.
		other := "BNCLGU48D10L219Y"
		mustUser(t, e.db, other, identity.NewPIN(), identity.RoleCitizen, "")
		var wg sync.WaitGroup
		for range 30 {
			wg.Go(func() { e.svc.Login(ctx, other, identity.NewPIN(), "b", "web") })
		}
		wg.Wait()
		es, _ := e.db.AuditTrail(ctx, "person:"+other, 1000)
		checked := 0
		for _, en := range es {
			if en.Action == "login.failure" || en.Action == "login.lock" {
				checked++
			}
		}
		if checked > 5 {
			t.Errorf("%d PINs were checked in one lock window; the limit is 5", checked)
		}
	})
}
