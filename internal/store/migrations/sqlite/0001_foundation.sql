-- 0001 foundation: registers, registrations, case history, audit chain,
-- idempotency keys. Append-only tables are guarded by triggers so that an
-- application bug cannot change them; the audit hash chain detects anyone
-- who bypasses the guards with raw SQL.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One counter row per (register, year). The next number is taken by
-- incrementing this row inside the registering transaction (PROT-1): a
-- rolled-back transaction gives its number back, so there are no gaps.
CREATE TABLE registers (
    name TEXT    NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL CHECK (last BETWEEN 1 AND 9999999),
    PRIMARY KEY (name, year)
);

-- The register entries (DPR 445/2000 art. 53). Never updated or deleted
-- (PROT-2): corrections are new rows pointing to the old one.
CREATE TABLE registrations (
    id            INTEGER PRIMARY KEY,
    register      TEXT      NOT NULL,
    year          INTEGER   NOT NULL,
    number        INTEGER   NOT NULL,
    registered_at TIMESTAMP NOT NULL,
    kind          TEXT      NOT NULL,
    subject       TEXT      NOT NULL,
    correspondent TEXT      NOT NULL,
    payload       TEXT      NOT NULL,
    digest        TEXT      NOT NULL,
    corrects_id   INTEGER REFERENCES registrations (id),
    actor         TEXT      NOT NULL,
    channel       TEXT      NOT NULL,
    UNIQUE (register, year, number)
);
CREATE INDEX registrations_corrects ON registrations (corrects_id);
CREATE INDEX registrations_day ON registrations (register, registered_at);

-- Annulment (DPR 445/2000 art. 54) marks a registration without touching it.
CREATE TABLE registration_annulments (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations (id),
    annulled_at     TIMESTAMP NOT NULL,
    actor           TEXT      NOT NULL,
    reason          TEXT      NOT NULL
);

-- Case history (ST-1).
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    case_kind  TEXT      NOT NULL,
    case_id    TEXT      NOT NULL,
    seq        INTEGER   NOT NULL,
    at         TIMESTAMP NOT NULL,
    kind       TEXT      NOT NULL,
    actor      TEXT      NOT NULL,
    acting_for TEXT      NOT NULL,
    channel    TEXT      NOT NULL,
    payload    TEXT      NOT NULL,
    UNIQUE (case_kind, case_id, seq)
);

-- Audit chain (AUD-1, AUD-3). audit_head holds the end of the chain; every
-- append locks it, so writers on any number of nodes extend one chain.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TIMESTAMP NOT NULL,
    actor      TEXT      NOT NULL,
    acting_for TEXT      NOT NULL,
    channel    TEXT      NOT NULL,
    action     TEXT      NOT NULL,
    subject    TEXT      NOT NULL,
    detail     TEXT      NOT NULL,
    prev_hash  TEXT      NOT NULL,
    hash       TEXT      NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject);
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Idempotency (PROT-3): the outcome of a create, keyed by who asked and the
-- key they sent, written in the same transaction as the create.
CREATE TABLE idempotency_keys (
    actor        TEXT      NOT NULL,
    key          TEXT      NOT NULL,
    request_hash TEXT      NOT NULL,
    response     TEXT      NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (actor, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TRIGGER registrations_no_update BEFORE UPDATE ON registrations
BEGIN SELECT RAISE(ABORT, 'append-only: registrations cannot be changed'); END;
CREATE TRIGGER registrations_no_delete BEFORE DELETE ON registrations
BEGIN SELECT RAISE(ABORT, 'append-only: registrations cannot be deleted'); END;
CREATE TRIGGER registration_annulments_no_update BEFORE UPDATE ON registration_annulments
BEGIN SELECT RAISE(ABORT, 'append-only: annulments cannot be changed'); END;
CREATE TRIGGER registration_annulments_no_delete BEFORE DELETE ON registration_annulments
BEGIN SELECT RAISE(ABORT, 'append-only: annulments cannot be deleted'); END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'append-only: events cannot be changed'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'append-only: events cannot be deleted'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'append-only: audit entries cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'append-only: audit entries cannot be deleted'); END;
