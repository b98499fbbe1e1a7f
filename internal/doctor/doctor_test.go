package doctor_test

import (
	"errors"
	"testing"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/doctor"
)

// REQ CERT-1: the declaration is mandatory and complete; every wrong field
// is named in Italian at once.
func TestProfileValidate(t *testing.T) {
	p := doctor.Profile{Relationship: " Convenzionato ", Body: " ASL Roma 1 ", RegisterProv: "rm", RegisterNo: " 12345 "}
	if err := p.Validate(); err != nil || p.Relationship != doctor.Affiliated || p.Body != "ASL Roma 1" || p.RegisterProv != "RM" || p.RegisterNo != "12345" {
		t.Fatalf("Validate = %v, %+v", err, p)
	}
	var empty doctor.Profile
	err := empty.Validate()
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 4 || ae.Fields["rapporto"] == "" || ae.Fields["ordine_numero"] == "" {
		t.Fatalf("empty declaration: %+v", err)
	}
	bad := doctor.Profile{Relationship: "privato", Body: "x", RegisterProv: "Roma", RegisterNo: "12 345"}
	if err := bad.Validate(); !errors.As(err, &ae) || len(ae.Fields) != 3 {
		t.Fatalf("bad declaration: %+v", err)
	}
}

// REQ CERT-7: practice addresses are checked field by field.
func TestAddressValidate(t *testing.T) {
	a := doctor.Address{Label: "Studio", Street: "Via Roma 1", Postcode: "00100", Comune: "Roma", Province: "rm", Phone: "+39 06 123456"}
	if err := a.Validate(); err != nil || a.Province != "RM" {
		t.Fatalf("Validate = %v, %+v", err, a)
	}
	bad := doctor.Address{Label: "", Street: "Via Roma 1", Postcode: "0010", Comune: "Roma", Province: "RM", Phone: "06-123"}
	var ae *apperr.Error
	if err := bad.Validate(); !errors.As(err, &ae) || len(ae.Fields) != 3 || ae.Fields["cap"] == "" || ae.Fields["telefono"] == "" || ae.Fields["nome"] == "" {
		t.Fatalf("bad address: %+v", err)
	}
}
