-- 0013 sent certificates (CERT-4, CERT-6, CERT-9): one row per certificate
-- registered in the certificate register, for the doctor's list (filtered
-- by kind, patient, date and state, paginated) and for linking to
-- applications. The content stays in the registration's payload, which
-- never changes; annulment is recorded here and as an annulment of the
-- registration.
CREATE TABLE certificates (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations (id),
    number          TEXT   NOT NULL UNIQUE,  -- AAAAnnnnnnn
    kind            TEXT   NOT NULL,         -- certificato_cbt, certificato_invalidita
    doctor_cf       TEXT   NOT NULL,
    patient_cf      TEXT   NOT NULL,
    address_id      INTEGER,                     -- practice address printed on it, if any
    sent_at         TIMESTAMP    NOT NULL,
    expires_at      TIMESTAMP,                     -- last moment it can be linked (civil invalidity)
    annulled_at     TIMESTAMP,
    linked_to       TEXT   NOT NULL DEFAULT '' -- the application that uses it
);
CREATE INDEX certificates_doctor ON certificates (doctor_cf, sent_at);
CREATE INDEX certificates_patient ON certificates (patient_cf);
