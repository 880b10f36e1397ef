DROP TABLE norm_tables;
