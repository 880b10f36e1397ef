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
DELETE FROM indicator_builds WHERE id = 2;
