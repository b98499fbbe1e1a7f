package api

import (
	"context"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/i18n"
)

type statusOutput struct {
	Body Status
}

// status tells clients which service and version answer, the server's
// time and the schema version. It is public.
func (a *API) status(ctx context.Context, _ *struct{}) (*statusOutput, error) {
	v, err := a.db.SchemaVersion(ctx)
	if err != nil {
		return nil, a.fail(ctx, apperr.Wrap(apperr.Unavailable, a.cat.T(i18n.IT, "api.detail.database"), err))
	}
	return &statusOutput{Body: Status{
		Service:       "sportello",
		Version:       a.version,
		Time:          rome(a.clock.Now().Truncate(time.Second)),
		SchemaVersion: v,
	}}, nil
}
