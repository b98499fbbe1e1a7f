-- 0004 PIN issuance at the counter (ID-2) and doctors' enabling (ID-3):
-- what the office checked, kept with who did it and when. Append-only.
CREATE TABLE pin_issuances (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER   NOT NULL REFERENCES users (id),
    issued_at  TIMESTAMP NOT NULL,
    issued_by  TEXT      NOT NULL,
    channel    TEXT      NOT NULL, -- counter, online, revoked
    doc_type   TEXT      NOT NULL, -- identity document checked; '' online
    doc_number TEXT      NOT NULL,
    doc_issuer TEXT      NOT NULL,
    doc_expiry TEXT      NOT NULL, -- YYYY-MM-DD
    minor      INTEGER   NOT NULL
);
CREATE INDEX pin_issuances_user ON pin_issuances (user_id);

CREATE TABLE doctor_enablings (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER   NOT NULL REFERENCES users (id),
    request_date  TEXT      NOT NULL, -- date of the signed request handed in
    request_ref   TEXT      NOT NULL, -- its protocol or reference
    employment    TEXT      NOT NULL, -- ssn_employee or affiliated
    enabled_at    TIMESTAMP NOT NULL,
    enabled_by    TEXT      NOT NULL
);

CREATE TRIGGER pin_issuances_no_update BEFORE UPDATE ON pin_issuances
BEGIN SELECT RAISE(ABORT, 'append-only: PIN issuances cannot be changed'); END;
CREATE TRIGGER pin_issuances_no_delete BEFORE DELETE ON pin_issuances
BEGIN SELECT RAISE(ABORT, 'append-only: PIN issuances cannot be deleted'); END;
CREATE TRIGGER doctor_enablings_no_update BEFORE UPDATE ON doctor_enablings
BEGIN SELECT RAISE(ABORT, 'append-only: enablings cannot be changed'); END;
CREATE TRIGGER doctor_enablings_no_delete BEFORE DELETE ON doctor_enablings
BEGIN SELECT RAISE(ABORT, 'append-only: enablings cannot be deleted'); END;
