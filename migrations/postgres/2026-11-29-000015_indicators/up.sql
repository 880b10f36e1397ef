-- Computed indicators, kept as cells: an indicator's part (n: count or
-- numerator, d: denominator, c: persons behind a sum, hN: observations of
-- N days) in one municipality, period (2019-04, 2019-T1, 2019-H1, 2019)
-- and sex (K, M, T). Changed in the same transaction as the records they
-- count; never person-level, so they outlive a purge (BR-11).
CREATE TABLE indicator_cells (
    indicator TEXT NOT NULL,
    municipality TEXT NOT NULL,
    period TEXT NOT NULL,
    sex TEXT NOT NULL,
    part TEXT NOT NULL,
    value BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (indicator, municipality, period, sex, part)
);
CREATE INDEX indicator_cells_updated ON indicator_cells (updated_at);

-- What each person's records add to the cells, so that a change moves only
-- the difference. Person-level: purged with the person.
CREATE TABLE indicator_contributions (
    municipality TEXT NOT NULL,
    person_id TEXT NOT NULL,
    indicator TEXT NOT NULL,
    period TEXT NOT NULL,
    sex TEXT NOT NULL,
    part TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (municipality, person_id, indicator, period, sex, part)
);

-- Reported values and yearly forecasts (kind value or forecast), as
-- decimal text in the indicator's unit.
CREATE TABLE indicator_reports (
    indicator TEXT NOT NULL,
    municipality TEXT NOT NULL,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    sex TEXT NOT NULL,
    value TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (indicator, municipality, kind, period, sex)
);
CREATE INDEX indicator_reports_updated ON indicator_reports (reported_at);

-- The first month each municipality has computed values for: before it a
-- value is missing, not zero.
CREATE TABLE indicator_coverage (
    municipality TEXT PRIMARY KEY,
    first_month TEXT NOT NULL
);

-- When the cells were last built from every person's records (on first
-- start after this migration, for the records already there).
CREATE TABLE indicator_builds (
    id INTEGER PRIMARY KEY,
    built_at TIMESTAMP NOT NULL,
    persons BIGINT NOT NULL
);

-- A person's interventions, read whenever their contribution is worked out.
CREATE INDEX interventions_applicant ON interventions (municipality, applicant_id);
