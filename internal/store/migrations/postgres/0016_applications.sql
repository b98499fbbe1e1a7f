-- 0016 applications (CBT-12, CBT-13, RULE-9, CH-1): one row per application
-- registered in the protocol register. The content stays in the
-- registration's payload, which never changes; this index carries what the
-- citizen's list and the office's queue filter on. One application a year
-- per person and kind, unless annulled.
CREATE TABLE applications (
    registration_id BIGINT PRIMARY KEY REFERENCES registrations (id),
    number          TEXT   NOT NULL UNIQUE, -- protocol number AAAAnnnnnnn
    kind            TEXT   NOT NULL,        -- domanda_cbt
    applicant_cf    TEXT   NOT NULL,
    year            INTEGER NOT NULL,       -- year of the cures
    office          TEXT   NOT NULL,        -- competent office
    channel         TEXT   NOT NULL,        -- web, intermediary, contact_centre, paper
    operator        TEXT   NOT NULL DEFAULT '', -- the operator who acted for the applicant
    intermediary    TEXT   NOT NULL DEFAULT '', -- the intermediary's organisation code
    certificate     TEXT   NOT NULL DEFAULT '', -- the linked certificate's number
    flagged         BOOLEAN NOT NULL DEFAULT FALSE, -- requirements missing or to verify (CBT-10)
    state           TEXT   NOT NULL,        -- submitted (to process), then the office's states
    submitted_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX applications_one_a_year ON applications (kind, applicant_cf, year) WHERE state <> 'annulled';
CREATE INDEX applications_applicant ON applications (applicant_cf, submitted_at);
CREATE INDEX applications_office ON applications (office, state, submitted_at);
