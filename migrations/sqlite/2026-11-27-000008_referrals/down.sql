DROP TABLE first_meetings;
DROP TABLE referrals;
DROP TABLE employment_service_statuses;
DROP TABLE service_areas;
