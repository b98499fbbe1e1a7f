-- 0012 the certifying doctor's first access (CERT-1): the mandatory
-- declaration of the doctor's relationship with the national health service
-- and the optional practice addresses. No certificate can be started
-- before the declaration exists.
CREATE TABLE doctor_profiles (
    fiscal_code   TEXT      PRIMARY KEY,
    relationship  TEXT      NOT NULL, -- dipendente (SSN employee) or convenzionato (affiliated)
    body          TEXT      NOT NULL, -- the health body employing or affiliating the doctor
    register_prov TEXT      NOT NULL, -- province of the Ordine dei medici (sigla)
    register_no   TEXT      NOT NULL, -- number in the Ordine's register (albo)
    declared_at   TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE doctor_addresses (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fiscal_code TEXT      NOT NULL,
    label       TEXT      NOT NULL, -- e.g. "Studio di via Roma"
    street      TEXT      NOT NULL,
    postcode    TEXT      NOT NULL,
    comune      TEXT      NOT NULL,
    province    TEXT      NOT NULL,
    phone       TEXT      NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ
);
CREATE INDEX doctor_addresses_doctor ON doctor_addresses (fiscal_code);
