-- 0005 mandates (ID-5): a citizen's mandate to an intermediary's
-- organisation (patronato or disability association), from a start date to
-- an end date, revocable. Intermediary operators may act only for citizens
-- holding a live mandate with their organisation.
CREATE TABLE mandates (
    id          INTEGER PRIMARY KEY,
    citizen_cf  TEXT      NOT NULL,
    org_code    TEXT      NOT NULL,
    scope       TEXT      NOT NULL, -- "all" or a service, e.g. "cbt", "inv"
    start_date  TEXT      NOT NULL, -- YYYY-MM-DD
    end_date    TEXT      NOT NULL, -- YYYY-MM-DD
    document    TEXT      NOT NULL, -- reference of the signed mandate
    created_at  TIMESTAMP NOT NULL,
    created_by  TEXT      NOT NULL,
    revoked_at  TIMESTAMP,
    revoked_by  TEXT      NOT NULL DEFAULT ''
);
CREATE INDEX mandates_citizen ON mandates (citizen_cf, org_code);
