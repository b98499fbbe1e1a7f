-- 0010 when a PIN was requested online: one request per person at a time
-- (30 days), and a pending PIN expires (60 days).
ALTER TABLE users ADD COLUMN pending_pin_at TIMESTAMPTZ;
