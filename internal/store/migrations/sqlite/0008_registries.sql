-- 0008 registries behind the entitlement rules (issue 5): contribution
-- records, pensions and allowances, employment, spa cures paid by the
-- health service. Imported from CSV extracts; re-importing a row replaces
-- it (natural keys), so imports can be run again.

CREATE TABLE contributions (
    fiscal_code TEXT    NOT NULL,
    fund        TEXT    NOT NULL, -- employee, self_employed, separate, agricultural
    kind        TEXT    NOT NULL, -- compulsory, figurative, figurative_unemployment, voluntary
    from_date   TEXT    NOT NULL, -- YYYY-MM-DD
    to_date     TEXT    NOT NULL, -- YYYY-MM-DD
    weeks       INTEGER NOT NULL, -- weekly contributions (employees, separate fund…)
    days        INTEGER NOT NULL, -- daily contributions (agricultural day labourers)
    PRIMARY KEY (fiscal_code, fund, kind, from_date)
);

CREATE TABLE pensions (
    fiscal_code TEXT    NOT NULL,
    kind        TEXT    NOT NULL, -- seniority, early, old_age, invalidity_definitive, invalidity_provisional, inability, supplementary, substitutive
    from_date   TEXT    NOT NULL,
    to_date     TEXT    NOT NULL, -- '' while in payment
    revoked     INTEGER NOT NULL,
    PRIMARY KEY (fiscal_code, kind, from_date)
);

CREATE TABLE employments (
    fiscal_code   TEXT NOT NULL,
    employer_type TEXT NOT NULL, -- private, state, poste, public_body, railways_fund, enpals, solidarity_fund, lsu, mobility
    activity      TEXT NOT NULL,
    qualification TEXT NOT NULL,
    from_date     TEXT NOT NULL,
    to_date       TEXT NOT NULL, -- '' if current
    PRIMARY KEY (fiscal_code, employer_type, from_date)
);

CREATE TABLE ssn_cures (
    fiscal_code TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    facility    TEXT    NOT NULL,
    PRIMARY KEY (fiscal_code, year, facility)
);
