-- Hotline tickets keep their area (district/street/community name as the
-- feed writes it) and address beside the optional community code, so a feed
-- without GB/T 2260 codes keeps where a ticket came from. Numbering: 007x
-- data checks (schema/migrations.go).
ALTER TABLE {db}.hotline_ticket ADD COLUMN area String AFTER community_code, ADD COLUMN address String AFTER area
