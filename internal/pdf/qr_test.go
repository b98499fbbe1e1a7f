package pdf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// REQ DOC-1: the QR code drawn on a document decodes, from the rendered
// page, to exactly the text given (a verification token).
func TestDrawQR_Decodes(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true: %s is missing (poppler-utils, zbar-tools)", tool)
			}
			t.Skipf("skipped: %s is missing (apt-get install poppler-utils zbar-tools)", tool)
		}
	}
	token := "MS4wMTIzNDU2Ny5jZXJ0aWZpY2F0b19jYnQuMjAyNjAwMDAwNDIuMTc2NDE1MDYwMA~" + strings.Repeat("AbCd", 21) + "Ab"
	d := newDoc(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), "QR", "Sportello")
	d.AddPage()
	if err := drawQR(d, token, 150, 30, 35); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.Output(&buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "qr.pdf"), buf.Bytes(), 0o644)
	if out, err := exec.Command("pdftoppm", "-r", "150", "-png", "-singlefile", filepath.Join(dir, "qr.pdf"), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", filepath.Join(dir, "page.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != token {
		t.Fatalf("decoded %q, want %q", got, token)
	}
}
