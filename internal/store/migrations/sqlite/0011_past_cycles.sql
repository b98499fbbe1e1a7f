-- 0011 spa-treatment cycles the agency granted in past years (RULE-10:
-- cycles beyond the fifth are exceptional). Imported from the agency's
-- archive for the years before this system; re-importing replaces a row.

CREATE TABLE past_cycles (
    fiscal_code TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    pathology   TEXT    NOT NULL, -- reumoartropatica, broncopneumopatica
    PRIMARY KEY (fiscal_code, year)
);
