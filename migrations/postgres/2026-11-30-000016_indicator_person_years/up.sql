-- What each person's records add to the cells, kept as one row per kind of
-- record (grants, applications, referrals, interventions, payments) and
-- calendar year instead of one row per cell: a year of assistance adds to
-- some eighty cells, which at a country's scale would be tens of millions
-- of rows. `cells` holds one line per indicator and part,
-- `indicator part period=n period=n ...`, each n added to the person's sex
-- (`sex`, K or M, as it was when the row was written) and to the total.
-- Person-level: purged with the person.
CREATE TABLE indicator_person_years (
    municipality TEXT NOT NULL,
    person_id TEXT NOT NULL,
    facet TEXT NOT NULL,
    year INTEGER NOT NULL,
    sex TEXT NOT NULL,
    cells TEXT NOT NULL,
    PRIMARY KEY (municipality, person_id, facet, year)
);

-- The rows of the old form are not converted: on the next start the service
-- works every person's part out again from their records (the cells, which
-- also keep the part of persons purged since, stay as they are), and marks
-- it done as build 2.
DROP TABLE indicator_contributions;
