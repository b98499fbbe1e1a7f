-- 0009 login attempts per codice fiscale, for every codice fiscale tried,
-- known or not: the lock after repeated failures behaves the same whether
-- the account exists or not (no enumeration), and each attempt is counted
-- in one statement before the PIN is checked, so concurrent guesses cannot
-- slip past the limit.
CREATE TABLE login_attempts (
    fiscal_code  TEXT PRIMARY KEY,
    failures     INTEGER   NOT NULL,
    locked_until TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL
);
