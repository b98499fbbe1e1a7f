package main

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/clock"
)

// Regressions of the review of the spa-treatment application's pages
// (paper registration and the citizen's screens).

var accessTotalRE = regexp.MustCompile(`dal più recente: (\d+) in tutto`)

// accessTotal is how many entries the session's own access log holds.
func accessTotal(t *testing.T, s *session) int {
	t.Helper()
	_, page := s.get("/profilo/accessi")
	m := accessTotalRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the access log has no total:\n%s", page)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// REQ CH-2 CBT-3 AUD-1: office staff registering a paper application
// (1) who choose "another domicile" and leave it empty are told so, and
// nothing is registered with the residence instead; (2) are given an
// example arrival date that is not in the future (today, not 15/03 of next
// year); (3) with a domicile in a province no office serves are told to
// check the province, not "è competente : …" with no office named. The
// citizen's screens without registry data on them (screen 5 shows the
// pathology, health data) are audited too.
func TestCBTReview_PaperAndAudit(t *testing.T) {
	t.Chdir(t.TempDir())
	year := clock.YearInRome(time.Now())
	base, _, stop := startServe(t, env("SPORTELLO_FAKE_TODAY", cbtDay(time.March, 16), "SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	cert := sendSpaCertificate(t, base)
	staff := loginHTTP(t, base, "FRRPLA75C10H501C", "5NUTACK79ZNS9795")
	fill := func(f url.Values) {
		f.Set("ricevuta_il", "10/03/"+strconv.Itoa(year))
		f.Set("cellulare", "333 1234567")
		f.Set("domicilio", "residenza")
		f.Set("patologia", "reumoartropatica")
		f.Set("cura", "fango-bagno")
		f.Set("certificato", cert)
		f.Set("asl", "ASL-RM1")
	}

	t.Run("CH-2 CBT-3 another domicile chosen but empty", func(t *testing.T) {
		_, f := paperForm(t, staff, rossiCF)
		fill(f)
		f.Set("domicilio", "altro")
		f.Set("indirizzo", "  ")
		code, loc := staff.postNoFollow("/ufficio/domande/cartacea", f)
		if code != 422 {
			t.Fatalf("an empty domicile = %d %s; want 422, nothing registered", code, loc)
		}
		_, page := staff.post("/ufficio/domande/cartacea", f)
		if !strings.Contains(page, `href="#indirizzo"`) || !strings.Contains(page, "Indicare l&#39;indirizzo del domicilio") ||
			!strings.Contains(page, `id="domicilio-altro" value="altro" checked`) {
			t.Errorf("the refused page does not name the empty domicile, or lost the choice:\n%s", page)
		}
	})

	t.Run("CH-2 the arrival date's example is today", func(t *testing.T) {
		_, f := paperForm(t, staff, rossiCF)
		fill(f)
		f.Set("ricevuta_il", "31/02/"+strconv.Itoa(year))
		code, page := staff.post("/ufficio/domande/cartacea", f)
		today := time.Date(year, time.March, 16, 0, 0, 0, 0, time.UTC).Format("02/01/2006")
		if code != 422 || !strings.Contains(page, "per esempio "+today) || strings.Contains(page, "15/03/2027") {
			t.Errorf("a wrong arrival date = %d; want the example %s", code, today)
		}
	})

	t.Run("CH-2 a domicile no office serves", func(t *testing.T) {
		_, f := paperForm(t, staff, rossiCF)
		fill(f)
		f.Set("domicilio", "altro")
		f.Set("indirizzo", "Via Roma 1")
		f.Set("cap", "00100")
		f.Set("comune", "Nessunluogo")
		f.Set("provincia", "ZZ")
		code, page := staff.post("/ufficio/domande/cartacea", f)
		if code != 422 || strings.Contains(page, "è competente :") || !strings.Contains(page, `href="#provincia"`) ||
			!strings.Contains(page, "non risulta un ufficio competente") {
			t.Errorf("a domicile in province ZZ = %d\n%s", code, page)
		}
	})

	t.Run("AUD-1 every screen is audited", func(t *testing.T) {
		citizen := loginHTTP(t, base, "VRDGNN60B45F205Y", "WP3SYY2EXFUU7KVB")
		t0 := accessTotal(t, citizen)
		own := accessTotal(t, citizen) - t0 // what the access log adds itself
		for _, screen := range []string{"domicilio", "contatti", "domanda", "sanitari"} {
			before := accessTotal(t, citizen)
			if code, _ := citizen.get("/cure-termali/domanda/" + screen); code != 200 {
				t.Fatalf("GET screen %s = %d", screen, code)
			}
			if got := accessTotal(t, citizen) - before - own; got != 1 {
				t.Errorf("showing screen %s added %d audit entries; want 1", screen, got)
			}
		}
	})
}
