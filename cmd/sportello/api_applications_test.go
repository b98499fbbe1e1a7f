package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// REQ CH-1 ID-5 ID-4 CBT-11 CBT-12 PROT-3 DOC-1 AUD-2: a patronato's
// software files a spa-treatment application through the JSON API against
// the real server: the operator of the demo patronato of Roma creates a
// token with the application scopes, finds nothing for Mario Rossi until
// she records his mandate, then saves the draft, confirms it (a retry
// replays the first answer) and downloads the receipt, which names the
// patronato; Mario sees the application on the web; once he revokes the
// mandate, the next request is refused.
func TestAPIApplications_EndToEnd(t *testing.T) {
	t.Chdir(t.TempDir())
	base, _, stop := startServe(t, env("SPORTELLO_FAKE_TODAY", cbtDay(time.March, 16), "SPORTELLO_LOGIN_PER_ADDRESS", "100"))
	defer stop()
	cert := sendSpaCertificate(t, base)

	testa := demoOperator(t, base, "PAT-RM-001")
	call := apiClient{t: t, base: base, token: createAPIToken(t, testa, "Gestionale del patronato", "applications:read", "applications:write")}.call
	applicant := "/api/v1/cbt/applicants/" + rossiCF

	// No mandate yet: Mario is nobody to the patronato.
	if code, _, body := call("GET", applicant, "", ""); code != 404 || bytes.Contains(body, []byte("Rossi")) {
		t.Fatalf("before the mandate: %d %s", code, body)
	}
	recordMandateHTTP(t, testa, rossiCF, "cbt")

	// The context proposes the offices and ASLs; the draft takes them.
	code, _, body := call("GET", applicant, "", "")
	var ctx struct {
		Offices []struct{ Code string } `json:"offices"`
		ASLs    []struct{ Code string } `json:"asls"`
	}
	if err := json.Unmarshal(body, &ctx); code != 200 || err != nil || len(ctx.Offices) == 0 || len(ctx.ASLs) == 0 {
		t.Fatalf("context: %d %s", code, body)
	}
	draft := fmt.Sprintf(`{"email":"mario.rossi@esempio.it","ufficio":%q,"patologia":"reumoartropatica","cura":"fango-bagno","certificato":%q,"asl":%q}`,
		ctx.Offices[0].Code, cert, ctx.ASLs[0].Code)
	if code, _, body := call("PUT", applicant+"/draft", "", draft); code != 201 || !bytes.Contains(body, []byte(`"complete":true`)) {
		t.Fatalf("draft: %d %s", code, body)
	}

	// CONFERMA, and its retry.
	code, hdr, first := call("POST", applicant+"/applications", "gestionale-rossi-1", "")
	var sub struct {
		Number, Channel, Intermediary string
		Documents                     struct{ Ricevuta string }
	}
	if err := json.Unmarshal(first, &sub); code != 201 || err != nil || sub.Channel != "intermediary" || sub.Intermediary != "PAT-RM-001" {
		t.Fatalf("CONFERMA: %d %s", code, first)
	}
	if hdr.Get("Location") != applicant+"/applications/"+sub.Number {
		t.Errorf("Location %q", hdr.Get("Location"))
	}
	if code, hdr, again := call("POST", applicant+"/applications", "gestionale-rossi-1", ""); code != 201 ||
		hdr.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again, first) {
		t.Errorf("retry: %d %v %s", code, hdr, again)
	}

	// The receipt names the patronato.
	code, hdr, pdf := call("GET", sub.Documents.Ricevuta, "", "")
	if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("receipt: %d %v", code, hdr)
	}
	if text := pdfToText(t, pdf); text != "" && (!strings.Contains(text, sub.Number) || !strings.Contains(text, "PAT-RM-001")) {
		t.Errorf("the receipt lacks the number or the patronato's code:\n%s", text)
	}

	// Mario sees it on the web, and revokes the mandate.
	rossi := loginHTTP(t, base, rossiCF, rossiPIN)
	if _, page := rossi.get("/cure-termali/domande"); !strings.Contains(page, sub.Number) {
		t.Errorf("Mario's applications do not list %s", sub.Number)
	}
	_, page := rossi.get("/profilo/deleghe")
	rv := regexp.MustCompile(`action="(/profilo/deleghe/\d+/revoca)">\s*<input type="hidden" name="_token" value="([^"]+)"`).FindStringSubmatch(page)
	if rv == nil {
		t.Fatalf("no revocation form:\n%s", page)
	}
	rossi.post(rv[1], url.Values{"_token": {rv[2]}})
	if code, _, body := call("GET", applicant+"/applications/"+sub.Number, "", ""); code != 404 || bytes.Contains(body, []byte(sub.Number)) {
		t.Errorf("after the revocation: %d %s", code, body)
	}
}

// pdfToText is the text of a PDF, or "" without pdftotext (mandatory
// under CI=true).
func pdfToText(t *testing.T, b []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not found and CI=true makes it mandatory (apt-get install -y poppler-utils)")
		}
		t.Log("pdftotext not found: the PDF's text is not checked")
		return ""
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
