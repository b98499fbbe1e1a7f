-- 0002 drafts: forms filled over several steps or sessions (CBT-11, CERT-3)
-- are kept as a draft per owner and form until submitted or expired.
-- Drafts are not registered records: they change and are deleted.
CREATE TABLE drafts (
    owner      TEXT      NOT NULL,
    form       TEXT      NOT NULL,
    data       TEXT      NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner, form)
);
CREATE INDEX drafts_expires ON drafts (expires_at);
