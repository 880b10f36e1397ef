-- The national norm (riksnormen), loaded by an admin per year. A table is
-- never changed: loading a year again adds a revision, and a decision
-- names the year and revision it was calculated with.
CREATE TABLE norm_tables (
    year INTEGER NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    source TEXT NOT NULL,
    -- The bands and household sizes with their amounts, as JSON.
    body TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (year, revision)
);
