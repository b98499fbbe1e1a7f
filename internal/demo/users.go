package demo

import (
	"context"
	"fmt"

	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store"
)

// User is a demo account and its PIN, printed at start-up and listed in
// the README. The PINs are public: demo installations only.
type User struct {
	Person identity.Person
	PIN    string
	Roles  []identity.Grant
}

func person(cf, given, family, born, place, sex, addr, cap, city, prov string) identity.Person {
	return identity.Person{FiscalCode: cf, GivenName: given, FamilyName: family, BirthDate: born, BirthPlace: place,
		Sex: sex, Address: addr, Postcode: cap, Municipality: city, Province: prov}
}

// Users are the demo accounts: citizens, a doctor (also a citizen), a
// contact-centre operator, a patronato operator, an administrator and
// staff of every role. People and codici fiscali are invented, with valid check
// characters.
var Users = []User{
	{person("RSSMRA56L12H501D", "Mario", "Rossi", "1956-07-12", "Roma", "M", "Via Appia Nuova 120", "00183", "Roma", "RM"),
		"HWGQ496RAFHUG6A9", []identity.Grant{{Role: identity.RoleCitizen}}},
	{person("VRDGNN60B45F205Y", "Giovanna", "Verdi", "1960-02-05", "Milano", "F", "Via Padova 45", "20127", "Milano", "MI"),
		"WP3SYY2EXFUU7KVB", []identity.Grant{{Role: identity.RoleCitizen}}},
	{person("BNCLGU48D10L219Y", "Luigi", "Bianchi", "1948-04-10", "Torino", "M", "Corso Francia 8", "10143", "Torino", "TO"),
		"ZZ75F39H593S48BQ", []identity.Grant{{Role: identity.RoleCitizen}}},
	{person("BNCLRA70E52H501P", "Laura", "Bianchi", "1970-05-12", "Roma", "F", "Via Nomentana 300", "00162", "Roma", "RM"),
		"JDG58K8QH78S3V83", []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleDoctor}}},
	{person("FRRPLA75C10H501C", "Paolo", "Ferri", "1975-03-10", "Roma", "M", "Via Tuscolana 50", "00181", "Roma", "RM"),
		"5NUTACK79ZNS9795", []identity.Grant{{Role: identity.RoleOffice, Scope: "RM01"}}},
	{person("CNTNNA80A41F205I", "Anna", "Conti", "1980-01-01", "Milano", "F", "Via Torino 2", "20123", "Milano", "MI"),
		"CUW7G6S6M58ET9ZG", []identity.Grant{{Role: identity.RoleContactCentre}}},
	{person("MRNGPP65M10L219B", "Giuseppe", "Marino", "1965-08-10", "Torino", "M", "Via Roma 10", "10121", "Torino", "TO"),
		"N4K6AFA6FNRHCTYK", []identity.Grant{{Role: identity.RoleIntermediary, Scope: "PAT-TO-001"}}},
	{person("GLLSRA85T50H501Q", "Sara", "Galli", "1985-12-10", "Roma", "F", "Via Cassia 900", "00189", "Roma", "RM"),
		"AW9JQ8JUF4LJV42K", []identity.Grant{{Role: identity.RoleAdmin}}},
	// A second certifying doctor (Milano) and a second patronato (Roma).
	{p("Giorgio", "Ferrario", "1969-11-23", "F205", "Milano", "M", "Corso Buenos Aires 60", "20124", "Milano", "MI"),
		"FVFAJGU4SM5PQVTL", []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleDoctor}}},
	{p("Francesca", "Testa", "1977-01-30", "H501", "Roma", "F", "Via Labicana 44", "00184", "Roma", "RM"),
		"U5D2Z7927V2U3DTH", []identity.Grant{{Role: identity.RoleIntermediary, Scope: "PAT-RM-001"}}},
	// Staff of every role, for the two fully populated demo offices (Roma
	// RM01, Milano MI01) and their health authorities. A regional role's
	// scope is the regional office's code.
	{p("Chiara", "Colombo", "1982-05-19", "F205", "Milano", "F", "Via Larga 12", "20122", "Milano", "MI"),
		"VSZFNCUWP6JJJFGN", []identity.Grant{{Role: identity.RoleOffice, Scope: "MI01"}}},
	{p("Andrea", "Romano", "1971-10-04", "H501", "Roma", "M", "Via Merulana 70", "00185", "Roma", "RM"),
		"HFQL6784YKFLV5R8", []identity.Grant{{Role: identity.RoleMedicalCentre, Scope: "RM01"}}},
	{p("Federica", "Sala", "1976-03-23", "F205", "Milano", "F", "Via Solferino 30", "20121", "Milano", "MI"),
		"PHMG38VLB5PSTGJV", []identity.Grant{{Role: identity.RoleMedicalCentre, Scope: "MI01"}}},
	{p("Enrico", "Santoro", "1964-12-15", "H501", "Roma", "M", "Viale Parioli 40", "00197", "Roma", "RM"),
		"APYT54P5GW8D7W2Q", []identity.Grant{{Role: identity.RoleChiefBoard}}},
	{p("Silvia", "Marchetti", "1973-07-08", "H501", "Roma", "F", "Via Po 25", "00198", "Roma", "RM"),
		"XXF4P9A4EB3FRX23", []identity.Grant{{Role: identity.RoleRegional, Scope: "DR-LAZ"}}},
	{p("Luca", "Pellegrini", "1978-02-27", "H501", "Roma", "M", "Via Tiburtina 12", "00185", "Roma", "RM"),
		"C4897EST2YWVZ4X8", []identity.Grant{{Role: identity.RoleASL, Scope: "ASL-RM1"}}},
	{p("Marta", "Rizzo", "1981-09-12", "F205", "Milano", "F", "Via Ravenna 8", "20139", "Milano", "MI"),
		"ZMGPWLY8W245TU9J", []identity.Grant{{Role: identity.RoleASL, Scope: "ATS-MI"}}},
}

const usersMetaKey = "demo_users_loaded_at"

// LoadUsers puts the demo people and accounts into the database once.
// Unlike Load, it also runs on a database that already holds records (one
// created before accounts existed), but never twice.
func LoadUsers(ctx context.Context, db *store.DB, h identity.Hasher) (bool, error) {
	if at, err := db.Meta(ctx, usersMetaKey); err != nil || at != "" {
		return false, err
	}
	// Hash outside the transaction: argon2id is slow on purpose.
	hashes := make([]string, len(Users))
	for i, u := range Users {
		hashes[i] = h.Hash(u.PIN)
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i, u := range Users {
			if err := tx.UpsertPerson(ctx, u.Person); err != nil {
				return err
			}
			id, err := tx.EnsureUser(ctx, u.Person.FiscalCode)
			if err != nil {
				return err
			}
			if err := tx.SetPIN(ctx, id, hashes[i], "counter", false); err != nil {
				return err
			}
			for _, g := range u.Roles {
				if _, err := tx.GrantRole(ctx, id, g.Role, g.Scope, "demo"); err != nil {
					return err
				}
			}
			if err := tx.Audit(audit.Entry{Actor: "system:demo", Channel: history.ChannelSystem, Action: "user.create",
				Subject: "person:" + u.Person.FiscalCode, Detail: fmt.Sprintf(`{"roles":%d}`, len(u.Roles))}); err != nil {
				return err
			}
		}
		// Luigi Bianchi has given a mandate to the demo patronato.
		year := tx.Now().Year()
		if _, err := tx.CreateMandate(ctx, identity.Mandate{Citizen: "BNCLGU48D10L219Y", Org: "PAT-TO-001", Scope: "all",
			StartDate: fmt.Sprintf("%d-01-01", year), EndDate: fmt.Sprintf("%d-12-31", year+1), Document: "Mandato demo n. 1",
			CreatedBy: "intermediary:PAT-TO-001:MRNGPP65M10L219B"}); err != nil {
			return err
		}
		return tx.SetMeta(ctx, usersMetaKey, tx.Now().Format("2006-01-02T15:04:05Z"))
	})
	return err == nil, err
}
