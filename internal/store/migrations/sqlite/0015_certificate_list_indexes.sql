-- 0015 "Visualizza certificati" (CERT-6) stays fast with many
-- certificates: a doctor's list filtered by patient reads only that
-- patient's rows, in date order.
CREATE INDEX certificates_doctor_patient ON certificates (doctor_cf, patient_cf, sent_at);
