package pdf

import (
	"fmt"

	"codeberg.org/go-pdf/fpdf"
	"github.com/boombuler/barcode/qr"
)

// drawQR draws text as a QR code (error correction M: a document creased
// or stamped still reads) with its top-left corner at x, y and side size
// millimetres, quiet zone included. The code is drawn as vector
// rectangles, one per run of dark modules in a row: it prints sharp at
// any resolution and adds no image to the file.
func drawQR(d *fpdf.Fpdf, text string, x, y, size float64) error {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return fmt.Errorf("%w: QR code: %v", ErrInvalid, err)
	}
	const quiet = 4 // modules of white border the standard asks for
	b := code.Bounds()
	n := b.Dx()
	m := size / float64(n+2*quiet) // module side
	d.SetFillColor(0, 0, 0)
	for row := range n {
		for col := 0; col < n; {
			if !dark(code.At(b.Min.X+col, b.Min.Y+row)) {
				col++
				continue
			}
			start := col
			for col < n && dark(code.At(b.Min.X+col, b.Min.Y+row)) {
				col++
			}
			d.Rect(x+float64(quiet+start)*m, y+float64(quiet+row)*m, float64(col-start)*m, m, "F")
		}
	}
	return nil
}

func dark(c interface{ RGBA() (r, g, b, a uint32) }) bool {
	r, _, _, _ := c.RGBA()
	return r < 0x8000
}
