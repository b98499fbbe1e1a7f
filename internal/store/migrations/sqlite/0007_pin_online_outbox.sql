-- 0007 online PIN requests (ID-1) and the outbox of letters.
--
-- A PIN requested online is pending: it starts working at its first use,
-- and until then the previous PIN keeps working, so that nobody who knows
-- someone's personal data can lock them out by requesting a new PIN.
ALTER TABLE users ADD COLUMN pending_pin_hash TEXT NOT NULL DEFAULT '';

-- Documents to print and post. The document (a PDF) can carry a secret —
-- the second half of a PIN — so it is deleted once the letter is printed;
-- the row stays as the record of the mailing.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT      NOT NULL, -- e.g. pin_letter
    recipient   TEXT      NOT NULL, -- codice fiscale
    address     TEXT      NOT NULL, -- the postal address, as printed
    reference   TEXT      NOT NULL, -- the letter's identifier
    document    BLOB,
    created_at  TIMESTAMP NOT NULL,
    status      TEXT      NOT NULL, -- queued, printed
    printed_at  TIMESTAMP,
    printed_by  TEXT      NOT NULL DEFAULT ''
);
CREATE INDEX outbox_status ON outbox (status, id);
