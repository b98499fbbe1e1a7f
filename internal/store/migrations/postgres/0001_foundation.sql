-- 0001 foundation: registers, registrations, case history, audit chain,
-- idempotency keys. See the SQLite twin for the commentary; the differences
-- are identity columns, TIMESTAMPTZ, and guards written as one trigger
-- function that also refuses TRUNCATE.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE registers (
    name TEXT    NOT NULL,
    year INTEGER NOT NULL,
    last BIGINT  NOT NULL CHECK (last BETWEEN 1 AND 9999999),
    PRIMARY KEY (name, year)
);

CREATE TABLE registrations (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    register      TEXT        NOT NULL,
    year          INTEGER     NOT NULL,
    number        BIGINT      NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL,
    kind          TEXT        NOT NULL,
    subject       TEXT        NOT NULL,
    correspondent TEXT        NOT NULL,
    payload       TEXT        NOT NULL,
    digest        TEXT        NOT NULL,
    corrects_id   BIGINT REFERENCES registrations (id),
    actor         TEXT        NOT NULL,
    channel       TEXT        NOT NULL,
    UNIQUE (register, year, number)
);
CREATE INDEX registrations_corrects ON registrations (corrects_id);
CREATE INDEX registrations_day ON registrations (register, registered_at);

CREATE TABLE registration_annulments (
    registration_id BIGINT PRIMARY KEY REFERENCES registrations (id),
    annulled_at     TIMESTAMPTZ NOT NULL,
    actor           TEXT        NOT NULL,
    reason          TEXT        NOT NULL
);

CREATE TABLE events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_kind  TEXT        NOT NULL,
    case_id    TEXT        NOT NULL,
    seq        BIGINT      NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    kind       TEXT        NOT NULL,
    actor      TEXT        NOT NULL,
    acting_for TEXT        NOT NULL,
    channel    TEXT        NOT NULL,
    payload    TEXT        NOT NULL,
    UNIQUE (case_kind, case_id, seq)
);

-- detail is TEXT, not JSONB: JSONB reorders keys and would break the hash.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT        NOT NULL,
    acting_for TEXT        NOT NULL,
    channel    TEXT        NOT NULL,
    action     TEXT        NOT NULL,
    subject    TEXT        NOT NULL,
    detail     TEXT        NOT NULL,
    prev_hash  TEXT        NOT NULL,
    hash       TEXT        NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject);
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE idempotency_keys (
    actor        TEXT        NOT NULL,
    key          TEXT        NOT NULL,
    request_hash TEXT        NOT NULL,
    response     TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (actor, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE FUNCTION sportello_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'append-only: % rows cannot be changed or deleted', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER registrations_append_only BEFORE UPDATE OR DELETE ON registrations
    FOR EACH ROW EXECUTE FUNCTION sportello_append_only();
CREATE TRIGGER registrations_no_truncate BEFORE TRUNCATE ON registrations
    FOR EACH STATEMENT EXECUTE FUNCTION sportello_append_only();
CREATE TRIGGER registration_annulments_append_only BEFORE UPDATE OR DELETE ON registration_annulments
    FOR EACH ROW EXECUTE FUNCTION sportello_append_only();
CREATE TRIGGER registration_annulments_no_truncate BEFORE TRUNCATE ON registration_annulments
    FOR EACH STATEMENT EXECUTE FUNCTION sportello_append_only();
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION sportello_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION sportello_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION sportello_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION sportello_append_only();
