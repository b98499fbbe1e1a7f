-- 0006 API tokens (ID-4): bearer tokens for the software of doctors,
-- intermediaries and offices, bound to a user and one of its roles, with
-- scopes and an expiry, revocable. Only the SHA-256 of a token is kept.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT      NOT NULL UNIQUE,
    user_id      INTEGER   NOT NULL REFERENCES users (id),
    role         TEXT      NOT NULL,
    scope        TEXT      NOT NULL, -- the role's scope (office, organisation)
    name         TEXT      NOT NULL, -- a label chosen by the user
    scopes       TEXT      NOT NULL, -- space-separated, e.g. "registrations:read"
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
