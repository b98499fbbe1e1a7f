package web

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
)

// sessionCookie carries the opaque session token; the database keeps only
// its hash.
const sessionCookie = "sportello_s"

// Session puts the logged-in actor (if any) in the request's context. An
// expired or unknown session cookie is cleared.
func (s *Server) Session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || s.accounts == nil {
			next.ServeHTTP(w, r)
			return
		}
		a, _, err := s.accounts.Authenticate(r.Context(), c.Value)
		if err != nil {
			s.clearSession(w)
			next.ServeHTTP(w, r)
			return
		}
		// A PIN issued at the counter is changed before anything else.
		if a.MustChangePIN && !mayWhileChangingPIN(r.URL.Path) {
			http.Redirect(w, r, "/profilo/pin", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r.WithContext(identity.WithActor(r.Context(), a)))
	})
}

func mayWhileChangingPIN(path string) bool {
	return path == "/profilo/pin" || path == "/esci" || strings.HasPrefix(path, "/static/") ||
		strings.HasPrefix(path, "/lingua/") || path == "/privacy" || path == "/accessibilita"
}

func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode})
}

// requireLogin sends anonymous visitors to the login page, back here after.
func (s *Server) requireLogin(w http.ResponseWriter, r *http.Request) (identity.Actor, bool) {
	a := identity.ActorFrom(r.Context())
	if a.IsAnonymous() {
		http.Redirect(w, r, "/accedi?ritorno="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return a, false
	}
	return a, true
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginView is the login page's data.
type loginView struct {
	form
	FiscalCode string
	Return     string
	FormID     string
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, lv *loginView, errs []FieldError) {
	v := s.view(r, "login.title", nil)
	lv.FormID = "accedi"
	lv.form = s.form(w, r, v, lv.FormID, errs)
	v.Data = lv
	s.render(w, r, status, "login", v)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if !identity.ActorFrom(r.Context()).IsAnonymous() {
		http.Redirect(w, r, localPath(r.URL.Query().Get("ritorno")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, &loginView{Return: localPath(r.URL.Query().Get("ritorno"))}, nil)
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	lv := &loginView{FiscalCode: strings.TrimSpace(r.PostForm.Get("cf")), Return: localPath(r.PostForm.Get("ritorno"))}
	lang := LangFrom(r.Context())
	if _, err := s.tokens.check(r.PostForm.Get(tokenField), "accedi", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderLogin(w, r, http.StatusForbidden, lv, []FieldError{{"cf", s.cat.T(lang, "form.err.token")}})
		return
	}
	var errs []FieldError
	if lv.FiscalCode == "" {
		errs = append(errs, FieldError{"cf", s.cat.T(lang, "login.err.cf.missing")})
	}
	if strings.TrimSpace(r.PostForm.Get("pin")) == "" {
		errs = append(errs, FieldError{"pin", s.cat.T(lang, "login.err.pin.missing")})
	}
	if len(errs) > 0 {
		s.renderLogin(w, r, http.StatusUnprocessableEntity, lv, errs)
		return
	}
	token, u, err := s.accounts.Login(r.Context(), lv.FiscalCode, r.PostForm.Get("pin"), clientAddr(r), history.ChannelWeb)
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae) && ae.Code == apperr.Throttled:
		s.renderLogin(w, r, http.StatusTooManyRequests, lv, []FieldError{{"cf", s.cat.T(lang, "login.err.locked")}})
		return
	case errors.As(err, &ae) && ae.Code == apperr.Unauthenticated:
		s.renderLogin(w, r, http.StatusUnauthorized, lv, []FieldError{{"pin", s.cat.T(lang, "login.err.bad")}})
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.setSession(w, token)
	if u.MustChangePIN {
		s.setFlash(w, "flash.pin.must_change")
		http.Redirect(w, r, "/profilo/pin", http.StatusSeeOther)
		return
	}
	s.setFlash(w, "flash.login")
	dest := lv.Return
	if dest == "/" || dest == "/accedi" {
		dest = "/profilo"
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// postToken checks the token every logged-in form carries ("sessione").
func (s *Server) postToken(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	_, err := s.tokens.check(r.PostForm.Get(tokenField), "sessione", s.tokens.binding(w, r), s.clock.Now())
	if err != nil {
		s.setFlash(w, "flash.token")
		http.Redirect(w, r, "/profilo", http.StatusSeeOther)
		return false
	}
	return true
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	a := identity.ActorFrom(r.Context())
	if c, err := r.Cookie(sessionCookie); err == nil && !a.IsAnonymous() && s.postToken(w, r) {
		if err := s.accounts.Logout(r.Context(), a, c.Value); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.clearSession(w)
	s.setFlash(w, "flash.logout")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok || !s.postToken(w, r) {
		return
	}
	if _, err := s.accounts.LogoutEverywhere(r.Context(), a); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.clearSession(w)
	s.setFlash(w, "flash.logout.everywhere")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// profileView is the profile page's data.
type profileView struct {
	Token   string
	Person  identity.Person
	HasData bool
	Actor   identity.Actor
	Roles   []identity.Grant
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	u, err := s.db.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pv := &profileView{Actor: a, Roles: u.Roles}
	subject := a.FiscalCode
	if a.ActingFor != "" {
		subject = a.ActingFor // the page shows the citizen acted for
	}
	if err := identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindPerson, Subject: subject}); err == nil {
		// Reading a person's registry data is audited (AUD-1), also one's own.
		if p, err := s.db.FindPerson(r.Context(), subject); err == nil {
			pv.Person, pv.HasData = p, true
			if err := s.db.Audit(r.Context(), audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel,
				Action: "person.read", Subject: "person:" + subject, Detail: `{"page":"profilo"}`}); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
	}
	pv.Token, _ = s.tokens.issue("sessione", s.tokens.binding(w, r), s.clock.Now())
	v := s.view(r, "profile.title", pv)
	s.render(w, r, http.StatusOK, "profile", v)
}

func (s *Server) switchRole(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok || !s.postToken(w, r) {
		return
	}
	c, _ := r.Cookie(sessionCookie)
	role, scope, _ := strings.Cut(r.PostForm.Get("profilo"), "|")
	if err := s.accounts.SwitchRole(r.Context(), a, c.Value, identity.Role(role), scope); err != nil {
		s.setFlash(w, "flash.role.denied")
	} else {
		s.setFlash(w, "flash.role.switched")
	}
	http.Redirect(w, r, "/profilo", http.StatusSeeOther)
}

// pinView is the PIN change page's data.
type pinView struct {
	form
}

func (s *Server) renderPIN(w http.ResponseWriter, r *http.Request, status int, errs []FieldError) {
	v := s.view(r, "pin.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("profile.title"), URL: "/profilo"}}
	pv := &pinView{}
	pv.form = s.form(w, r, v, "pin", errs)
	v.Data = pv
	s.render(w, r, status, "pin", v)
}

func (s *Server) pinPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.requireLogin(w, r); ok {
		s.renderPIN(w, r, http.StatusOK, nil)
	}
}

func (s *Server) pinPost(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	r.ParseForm()
	if _, err := s.tokens.check(r.PostForm.Get(tokenField), "pin", s.tokens.binding(w, r), s.clock.Now()); err != nil {
		s.renderPIN(w, r, http.StatusForbidden, []FieldError{{"attuale", s.cat.T(LangFrom(r.Context()), "form.err.token")}})
		return
	}
	c, _ := r.Cookie(sessionCookie)
	err := s.accounts.ChangePIN(r.Context(), a, c.Value, r.PostForm.Get("attuale"), r.PostForm.Get("nuovo"))
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code == apperr.Invalid {
		var errs []FieldError
		for _, f := range []string{"attuale", "nuovo"} { // page order
			if m, ok := ae.Fields[f]; ok {
				errs = append(errs, FieldError{f, s.cat.T(LangFrom(r.Context()), "pin.err."+f+pinReason(m))})
			}
		}
		s.renderPIN(w, r, http.StatusUnprocessableEntity, errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.setFlash(w, "flash.pin.changed")
	http.Redirect(w, r, "/profilo", http.StatusSeeOther)
}

// pinReason maps the account service's Italian field messages to
// catalogue keys, so the page speaks the visitor's language.
func pinReason(m string) string {
	switch {
	case strings.Contains(m, "16 caratteri"):
		return ".shape"
	case strings.Contains(m, "diverso"):
		return ".same"
	}
	return ".wrong"
}

// accessView is the "who looked at my data" page.
type accessView struct {
	Entries []accessEntry
}

type accessEntry struct {
	When    time.Time
	Who     string // role and office or organisation; "you" for oneself
	What    string
	For     string
	Channel string
}

// accessLog shows citizens every access to their data (AUD-1). Staff are
// named by role and office or organisation, not by person: individual
// names are disclosed by the office on a formal request (GDPR art. 15,
// L. 241/1990), which protects staff from harassment while the citizen
// still sees which office looked, when and why.
func (s *Server) accessLog(w http.ResponseWriter, r *http.Request) {
	a, ok := s.requireLogin(w, r)
	if !ok {
		return
	}
	subject := a.FiscalCode
	if err := identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindAuditTrail, Subject: subject}); err != nil {
		s.notFound(w, r)
		return
	}
	es, err := s.db.AuditTrail(r.Context(), "person:"+subject, 1000)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.db.Audit(r.Context(), audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "audit_trail.read",
		Subject: "person:" + subject}); err != nil {
		s.serverError(w, r, err)
		return
	}
	v := s.view(r, "access.title", nil)
	v.Crumbs = []Crumb{{Label: v.T("nav.home"), URL: "/"}, {Label: v.T("profile.title"), URL: "/profilo"}}
	av := &accessView{}
	for i := len(es) - 1; i >= 0; i-- { // newest first
		e := es[i]
		av.Entries = append(av.Entries, accessEntry{When: e.At, Who: s.describeActor(v, e.Actor, a),
			What: v.T("action." + e.Action), For: s.describeActingFor(v, e.ActingFor, a), Channel: v.T("channel." + channelOr(e.Channel))})
	}
	v.Data = av
	s.render(w, r, http.StatusOK, "access", v)
}

func channelOr(c string) string {
	if c == "" {
		return history.ChannelSystem
	}
	return c
}

// describeActor turns an audit actor ("office:RM01:CF") into words without
// the staff member's personal codes.
func (s *Server) describeActor(v *View, id string, self identity.Actor) string {
	if id == self.ID() || strings.HasSuffix(id, ":"+self.FiscalCode) {
		return v.T("access.you")
	}
	parts := strings.Split(id, ":")
	role := parts[0]
	if role == "anonymous" || role == "system" {
		return v.T("access.who." + role)
	}
	label := v.T("role." + role)
	if len(parts) == 3 && parts[1] != "" { // role:scope:cf
		label += " – " + parts[1]
	}
	return label
}

func (s *Server) describeActingFor(v *View, id string, self identity.Actor) string {
	if id == "" {
		return ""
	}
	if id == "citizen:"+self.FiscalCode {
		return v.T("access.for.you")
	}
	return v.T("access.for.other")
}
