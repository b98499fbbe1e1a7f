package demo

import (
	"context"

	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/refdata"
	"github.com/sportello/sportello/internal/store"
)

const certificatesMetaKey = "demo_certificates_loaded_at"

// LoadCertificates gives the second demo doctor, Giorgio Ferrario of
// Milano, a first-access declaration, a practice, three sent certificates
// (one annulled) and a draft, through the certificate service, so that
// his list, PDFs and /verifica can be tried at once. Laura Bianchi stays
// without a declaration, to try the first access. Once per database.
func LoadCertificates(ctx context.Context, db *store.DB, svc *certificate.Service) (bool, error) {
	if at, err := db.Meta(ctx, certificatesMetaKey); err != nil || at != "" {
		return false, err
	}
	ferrario := Users[8].Person
	u, err := db.FindUserByFiscalCode(ctx, ferrario.FiscalCode)
	if err != nil {
		return false, err
	}
	a := identity.Actor{UserID: u.ID, FiscalCode: ferrario.FiscalCode, Name: ferrario.FullName(), Role: identity.RoleDoctor, Channel: history.ChannelWeb}
	if _, err := svc.SaveProfile(ctx, a, doctor.Profile{Relationship: doctor.Affiliated, Body: "ATS della Città Metropolitana di Milano",
		RegisterProv: "MI", RegisterNo: "31415"}); err != nil {
		return false, err
	}
	addr, err := svc.SaveAddress(ctx, a, doctor.Address{Label: "Studio di corso Buenos Aires", Street: "Corso Buenos Aires 60",
		Postcode: "20124", Comune: "Milano", Province: "MI", Phone: "02 1234567"})
	if err != nil {
		return false, err
	}
	verdi, bianchi := Users[1].Person.FiscalCode, Users[2].Person.FiscalCode
	drafts := []certificate.Draft{
		{Kind: certificate.KindSpa, Patient: verdi, AddressID: addr.ID, Spa: &certificate.Spa{Pathology: refdata.Respiratory,
			Cure: "inalazioni", NoContraindications: true, Diagnoses: []certificate.Diagnosis{{Text: "Bronchite cronica", Code: "491.9"}}}},
		{Kind: certificate.KindInvalidity, Patient: bianchi, AddressID: addr.ID, Invalidity: &certificate.Invalidity{
			Purposes: []string{"invalidita", "handicap"}, Anamnesis: "Artrosi diffusa, cardiopatia ischemica con pregresso infarto.",
			Findings: "Deambulazione con appoggio, dispnea da sforzo lieve.", Therapies: "Antiaggreganti, betabloccanti.",
			Diagnoses: []certificate.Diagnosis{{Text: "Cardiopatia ischemica cronica", Code: "414.9"}, {Text: "Artrosi generalizzata", Code: "715.00"}}}},
		{Kind: certificate.KindSpa, Patient: bianchi, Spa: &certificate.Spa{Pathology: refdata.Rheumatic, Cure: "fango-bagno",
			NoContraindications: true, Diagnoses: []certificate.Diagnosis{{Text: "Gonartrosi", Code: "715.96"}}}},
	}
	var sent []certificate.Sent
	for _, d := range drafts {
		s, err := svc.Send(ctx, a, d)
		if err != nil {
			return false, err
		}
		sent = append(sent, s)
	}
	if _, err := svc.Annul(ctx, a, sent[2].Number, "Prescritto per errore al paziente sbagliato."); err != nil {
		return false, err
	}
	if _, err := svc.SaveDraft(ctx, a, certificate.Draft{Kind: certificate.KindSpa, Patient: Users[0].Person.FiscalCode,
		Spa: &certificate.Spa{Pathology: refdata.Rheumatic}}); err != nil {
		return false, err
	}
	return true, db.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetMeta(ctx, certificatesMetaKey, tx.Now().Format("2006-01-02T15:04:05Z"))
	})
}
