-- 0013 sent certificates (CERT-4, CERT-6, CERT-9): one row per certificate
-- registered in the certificate register, for the doctor's list (filtered
-- by kind, patient, date and state, paginated) and for linking to
-- applications. The content stays in the registration's payload, which
-- never changes; annulment is recorded here and as an annulment of the
-- registration.
CREATE TABLE certificates (
    registration_id BIGINT PRIMARY KEY REFERENCES registrations (id),
    number          TEXT   NOT NULL UNIQUE,  -- AAAAnnnnnnn
    kind            TEXT   NOT NULL,         -- certificato_cbt, certificato_invalidita
    doctor_cf       TEXT   NOT NULL,
    patient_cf      TEXT   NOT NULL,
    address_id      BIGINT,                     -- practice address printed on it, if any
    sent_at         TIMESTAMPTZ    NOT NULL,
    expires_at      TIMESTAMPTZ,                     -- last moment it can be linked (civil invalidity)
    annulled_at     TIMESTAMPTZ,
    linked_to       TEXT   NOT NULL DEFAULT '' -- the application that uses it
);
CREATE INDEX certificates_doctor ON certificates (doctor_cf, sent_at);
CREATE INDEX certificates_patient ON certificates (patient_cf);
