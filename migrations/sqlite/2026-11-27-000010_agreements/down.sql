DROP TABLE meeting_persons;
DROP TABLE cooperation_meetings;
DROP TABLE agreements;
