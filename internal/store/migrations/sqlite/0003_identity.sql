-- 0003 identity: the person registry (ARCA; demo data until the registry
-- import lands), users with their PIN and roles, and sessions.

CREATE TABLE people (
    fiscal_code  TEXT PRIMARY KEY,
    given_name   TEXT      NOT NULL,
    family_name  TEXT      NOT NULL,
    birth_date   TEXT      NOT NULL, -- YYYY-MM-DD, a calendar date
    birth_place  TEXT      NOT NULL,
    sex          TEXT      NOT NULL,
    address      TEXT      NOT NULL,
    postcode     TEXT      NOT NULL,
    municipality TEXT      NOT NULL,
    province     TEXT      NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

-- One account per person, whatever their roles: login is codice fiscale +
-- PIN (ID-4). pin_hash is '' until a PIN is issued.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    fiscal_code     TEXT      NOT NULL UNIQUE,
    pin_hash        TEXT      NOT NULL,
    pin_issued_at   TIMESTAMP,
    pin_channel     TEXT      NOT NULL,
    must_change_pin INTEGER   NOT NULL,
    failed_logins   INTEGER   NOT NULL,
    locked_until    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id    INTEGER   NOT NULL REFERENCES users (id),
    role       TEXT      NOT NULL,
    scope      TEXT      NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    granted_by TEXT      NOT NULL,
    revoked_at TIMESTAMP,
    PRIMARY KEY (user_id, role, scope)
);

-- Sessions are opaque tokens; only their SHA-256 is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER   NOT NULL REFERENCES users (id),
    role         TEXT      NOT NULL,
    scope        TEXT      NOT NULL,
    acting_for   TEXT      NOT NULL,
    channel      TEXT      NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);
