-- Back to one row per cell. The persons' parts are not converted back, so
-- the cells are emptied too and the version before this one builds them all
-- again from the records on its next start (the part of persons purged
-- since is lost); keeping the cells without the parts would count everyone
-- twice.
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
DROP TABLE indicator_person_years;
DELETE FROM indicator_cells;
DELETE FROM indicator_coverage;
DELETE FROM indicator_builds;
