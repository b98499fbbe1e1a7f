package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store"
)

// The certifying doctor's own data through the API (CERT-1, CERT-7): the
// first-access declaration and the practice addresses, as on the web pages
// under /medico/dati. The service checks the policy; these handlers add
// what only the API needs: a personal token, and problems that tell a
// program what to do.

const (
	doctorProfilePath = "/api/v1/doctor/profile"
	addressesPath     = "/api/v1/doctor/addresses"
)

var (
	msgPersonalToken = msg("api.detail.personal_token")
	msgNoDeclaration = msg("api.detail.no_declaration")
)

// doctorOf returns the doctor calling an operation: the user of a personal
// token. A token of the static file names software, not a doctor, so it
// has no certificates.
func (a *API) doctorOf(ctx context.Context) (identity.Actor, error) {
	p, _ := PrincipalFrom(ctx)
	if !p.hasPerson() {
		return identity.Actor{}, &problem{status: http.StatusForbidden, detail: msgPersonalToken}
	}
	return p.identity(), nil
}

// certFail is fail for the certificate operations: the refusal before the
// first-access declaration (CERT-1) tells the program which call makes it.
func (a *API) certFail(ctx context.Context, err error) *problem {
	if certificate.IsNoDeclaration(err) {
		return &problem{status: http.StatusForbidden, detail: msgNoDeclaration}
	}
	return a.fail(ctx, err)
}

// declared returns the doctor of the request once they have made the
// first-access declaration, and the problem to answer otherwise. The
// service answers "not found" for a missing declaration where an address
// is looked up, which a program could not tell from a wrong address id.
func (a *API) declared(ctx context.Context) (identity.Actor, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return actor, err
	}
	_, err = a.certs.Profile(ctx, actor)
	if apperr.Is(err, apperr.NotFound) {
		return actor, &problem{status: http.StatusForbidden, detail: msgNoDeclaration}
	}
	return actor, err
}

type profileOutput struct {
	Body DoctorProfile
}

func profileOut(p doctor.Profile) DoctorProfile {
	return DoctorProfile{DoctorDeclaration: DoctorDeclaration{Relationship: p.Relationship, Body: p.Body,
		RegisterProv: p.RegisterProv, RegisterNo: p.RegisterNo}, DeclaredAt: rome(p.DeclaredAt), UpdatedAt: rome(p.UpdatedAt)}
}

// getDoctorProfile returns the doctor's declaration; 404 before the first
// access.
func (a *API) getDoctorProfile(ctx context.Context, _ *struct{}) (*profileOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	p, err := a.certs.Profile(ctx, actor)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	return &profileOutput{Body: profileOut(p)}, nil
}

type putProfileInput struct {
	Body DoctorDeclaration
}

type putProfileOutput struct {
	Status int
	Body   DoctorProfile
}

// putDoctorProfile makes the first-access declaration (201) or changes it
// (200): a PUT is idempotent by itself, so it takes no Idempotency-Key.
func (a *API) putDoctorProfile(ctx context.Context, in *putProfileInput) (*putProfileOutput, error) {
	actor, err := a.doctorOf(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	_, perr := a.certs.Profile(ctx, actor)
	status := http.StatusOK
	if apperr.Is(perr, apperr.NotFound) {
		status = http.StatusCreated
	}
	p, err := a.certs.SaveProfile(ctx, actor, doctor.Profile{Relationship: in.Body.Relationship, Body: in.Body.Body,
		RegisterProv: in.Body.RegisterProv, RegisterNo: in.Body.RegisterNo})
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	return &putProfileOutput{Status: status, Body: profileOut(p)}, nil
}

func addressOut(ad doctor.Address) PracticeAddress {
	return PracticeAddress{ID: ad.ID, NewPracticeAddress: NewPracticeAddress{Label: ad.Label, Street: ad.Street,
		Postcode: ad.Postcode, Comune: ad.Comune, Province: ad.Province, Phone: ad.Phone}}
}

func addressIn(id int64, in NewPracticeAddress) doctor.Address {
	return doctor.Address{ID: id, Label: in.Label, Street: in.Street, Postcode: in.Postcode, Comune: in.Comune,
		Province: in.Province, Phone: in.Phone}
}

func addressPath(id int64) string { return addressesPath + "/" + strconv.FormatInt(id, 10) }

// listAddresses lists the doctor's practice addresses, oldest first. A
// doctor has a handful: the page is cut from the whole list.
func (a *API) listAddresses(ctx context.Context, in *PageParams) (*PageOutput[PracticeAddress], error) {
	actor, err := a.declared(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	addrs, err := a.certs.Addresses(ctx, actor)
	if err != nil {
		return nil, a.certFail(ctx, err)
	}
	items := []PracticeAddress{}
	for i := min(in.offset(), len(addrs)); i < len(addrs) && len(items) < in.PerPage; i++ {
		items = append(items, addressOut(addrs[i]))
	}
	return newPage(*in, items, len(addrs), addressesPath, url.Values{}), nil
}

type addressInput struct {
	ID int64 `path:"id" minimum:"1" doc:"The address's identifier."`
}

type addressOutput struct {
	Body PracticeAddress
}

// getAddress returns one of the doctor's practice addresses.
func (a *API) getAddress(ctx context.Context, in *addressInput) (*addressOutput, error) {
	actor, err := a.declared(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	addrs, err := a.certs.Addresses(ctx, actor)
	if err != nil {
		return nil, a.certFail(ctx, err)
	}
	for _, ad := range addrs {
		if ad.ID == in.ID {
			return &addressOutput{Body: addressOut(ad)}, nil
		}
	}
	return nil, &problem{status: http.StatusNotFound, detail: msgNotFound}
}

type createAddressInput struct {
	IdempotencyKey
	Body NewPracticeAddress
}

type createdAddressOutput struct {
	Status   int
	Location string `header:"Location" doc:"The address's address in this API."`
	Replayed string `header:"Idempotent-Replayed" enum:"true" doc:"\"true\" when this is the stored response of an earlier request with the same Idempotency-Key."`
	Body     PracticeAddress
}

// createAddress adds a practice address (CERT-7), at most once per
// Idempotency-Key.
func (a *API) createAddress(ctx context.Context, in *createAddressInput) (*createdAddressOutput, error) {
	actor, err := a.declared(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	c, replayed, err := once(ctx, a.db, "POST "+addressesPath, in.Key, in.Body, func(tx *store.Tx) (created[PracticeAddress], error) {
		ad, err := a.certs.WithTx(tx).SaveAddress(ctx, actor, addressIn(0, in.Body))
		if err != nil {
			return created[PracticeAddress]{}, err
		}
		return created[PracticeAddress]{Location: addressPath(ad.ID), Body: addressOut(ad)}, nil
	})
	if err != nil {
		return nil, a.certFail(ctx, err)
	}
	out := &createdAddressOutput{Status: c.Status, Location: c.Location, Body: c.Body}
	if replayed {
		out.Replayed = Replayed
	}
	return out, nil
}

type putAddressInput struct {
	ID   int64 `path:"id" minimum:"1" doc:"The address's identifier."`
	Body NewPracticeAddress
}

// putAddress changes one of the doctor's practice addresses; certificates
// already sent keep the address as it was (CERT-8).
func (a *API) putAddress(ctx context.Context, in *putAddressInput) (*addressOutput, error) {
	actor, err := a.declared(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	ad, err := a.certs.SaveAddress(ctx, actor, addressIn(in.ID, in.Body))
	if err != nil {
		return nil, a.certFail(ctx, err)
	}
	return &addressOutput{Body: addressOut(ad)}, nil
}

// deleteAddress removes one of the doctor's practice addresses.
func (a *API) deleteAddress(ctx context.Context, in *addressInput) (*struct{}, error) {
	actor, err := a.declared(ctx)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.certs.RemoveAddress(ctx, actor, in.ID); err != nil {
		return nil, a.certFail(ctx, err)
	}
	return &struct{}{}, nil
}
