-- 0017 civil invalidity (INV-1…INV-8, AG-1…AG-3).
-- The Domus number, the second identifier of an invalidity case (INV-6).
-- One spa-treatment application a year per person (RULE-9) as before; one
-- civil-invalidity application in progress at a time per person, whatever
-- the year (a worsening or a revision follows a decision, not another
-- pending application).
ALTER TABLE applications ADD COLUMN domus TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX applications_domus ON applications (domus) WHERE domus <> '';
DROP INDEX applications_one_a_year;
CREATE UNIQUE INDEX applications_one_a_year ON applications (kind, applicant_cf, year)
    WHERE state <> 'annulled' AND kind = 'domanda_cbt';
CREATE UNIQUE INDEX applications_inv_open ON applications (applicant_cf)
    WHERE kind = 'domanda_inv' AND state IN ('submitted', 'visited');

-- The health authorities' agenda (AG-1): slots of a medical commission at a
-- place and time, with a capacity; home visits are slots of their own. The
-- CHECK keeps a slot from being booked beyond its capacity on any engine
-- and under any concurrency.
CREATE TABLE visit_slots (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asl        TEXT    NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    place      TEXT    NOT NULL,
    commission TEXT    NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    booked     INTEGER NOT NULL DEFAULT 0,
    home       BOOLEAN NOT NULL DEFAULT FALSE, -- home visits, for people who cannot be moved
    created_by TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (booked >= 0 AND booked <= capacity)
);
CREATE INDEX visit_slots_asl ON visit_slots (asl, home, starts_at);

-- Each summons of an application to a visit (AG-1…AG-3): summons 1 at
-- submission, 2 after an absence. A rescheduling (once per application)
-- marks the booking moved and books another slot for the same summons.
-- An application has at most one booking waiting for its visit.
CREATE TABLE visits (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application TEXT    NOT NULL REFERENCES applications (number),
    slot_id     BIGINT  NOT NULL REFERENCES visit_slots (id),
    summons     INTEGER NOT NULL CHECK (summons BETWEEN 1 AND 2),
    state       TEXT    NOT NULL, -- booked, moved, present, absent, cancelled
    booked_at   TIMESTAMPTZ NOT NULL,
    booked_by   TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL DEFAULT '',
    recorded_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX visits_waiting ON visits (application) WHERE state = 'booked';
CREATE INDEX visits_application ON visits (application, id);
CREATE INDEX visits_slot ON visits (slot_id);
