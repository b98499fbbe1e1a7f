-- 0004 PIN issuance at the counter (ID-2) and doctors' enabling (ID-3).
-- See the SQLite twin.
CREATE TABLE pin_issuances (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id),
    issued_at  TIMESTAMPTZ NOT NULL,
    issued_by  TEXT        NOT NULL,
    channel    TEXT        NOT NULL,
    doc_type   TEXT        NOT NULL,
    doc_number TEXT        NOT NULL,
    doc_issuer TEXT        NOT NULL,
    doc_expiry TEXT        NOT NULL,
    minor      INTEGER     NOT NULL
);
CREATE INDEX pin_issuances_user ON pin_issuances (user_id);

CREATE TABLE doctor_enablings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT      NOT NULL REFERENCES users (id),
    request_date  TEXT        NOT NULL,
    request_ref   TEXT        NOT NULL,
    employment    TEXT        NOT NULL,
    enabled_at    TIMESTAMPTZ NOT NULL,
    enabled_by    TEXT        NOT NULL
);

CREATE TRIGGER pin_issuances_append_only BEFORE UPDATE OR DELETE ON pin_issuances
    FOR EACH ROW EXECUTE FUNCTION sportello_append_only();
CREATE TRIGGER doctor_enablings_append_only BEFORE UPDATE OR DELETE ON doctor_enablings
    FOR EACH ROW EXECUTE FUNCTION sportello_append_only();
