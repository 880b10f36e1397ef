DROP INDEX interventions_applicant;
DROP TABLE indicator_builds;
DROP TABLE indicator_coverage;
DROP TABLE indicator_reports;
DROP TABLE indicator_contributions;
DROP TABLE indicator_cells;
