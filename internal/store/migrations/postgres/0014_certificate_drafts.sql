-- 0014 certificate drafts (CERT-3): a doctor's partially written
-- certificates, saved and resumed, without a number. A doctor may keep
-- several at once; each expires some time after its last change (health
-- data are not kept longer than needed) and is deleted when it is sent.
CREATE TABLE certificate_drafts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doctor_cf   TEXT      NOT NULL,
    kind        TEXT      NOT NULL, -- certificato_cbt, certificato_invalidita
    patient_cf  TEXT      NOT NULL DEFAULT '',
    address_id  BIGINT,
    data        TEXT      NOT NULL, -- the content written so far (JSON)
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX certificate_drafts_doctor ON certificate_drafts (doctor_cf, updated_at);
