package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/sportello/sportello/internal/store"
)

// IdempotencyKey is the header every create requires (PROT-3): the client
// picks a fresh key per intended creation and resends it with every retry.
type IdempotencyKey struct {
	Key string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"A key chosen by the client for this creation (e.g. a UUID), 1-200 characters. Retrying with the same key and the same body returns the first response instead of creating again; the same key with a different body is a 409."`
}

// Replayed is the value of the Idempotent-Replayed header on a replay.
const Replayed = "true"

// created is what a create stores and returns: its status, its Location and
// its body. Replays return exactly the stored bytes' content.
type created[T any] struct {
	Status   int    `json:"status"`
	Location string `json:"location"`
	Body     T      `json:"body"`
}

// once runs create at most once per (caller, key) through store.DB.Once and
// returns the first response, and whether this call replayed it. The
// request hash covers the operation and the canonical JSON of the request
// (the decoded body re-encoded: key order and spacing do not matter), so
// the same key sent to another operation or with another body is a 409 at
// header.Idempotency-Key.
func once[T any](ctx context.Context, db *store.DB, operation, key string, request any,
	create func(tx *store.Tx) (created[T], error)) (created[T], bool, error) {
	var out created[T]
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return out, false, errors.New("api: idempotent create without a principal")
	}
	canonical, err := json.Marshal(request)
	if err != nil {
		return out, false, fmt.Errorf("api: request hash: %w", err)
	}
	sum := sha256.Sum256(append([]byte(operation+"\n"), canonical...))
	res, err := db.Once(ctx, p.Actor, key, hex.EncodeToString(sum[:]), func(tx *store.Tx) (string, error) {
		c, err := create(tx)
		if err != nil {
			return "", err
		}
		if c.Status == 0 {
			c.Status = http.StatusCreated
		}
		b, err := json.Marshal(c)
		return string(b), err
	})
	if err != nil {
		return out, false, err
	}
	// The first call decodes the stored response too: replays cannot differ.
	if err := json.Unmarshal([]byte(res.Response), &out); err != nil {
		return out, false, fmt.Errorf("api: stored response of %s: %w", operation, err)
	}
	return out, res.Replayed, nil
}
