-- Reindex walks the index by record id in the byte order R2 lists keys in (COLLATE "C"), a page
-- at a time: this index keeps each page a range scan whatever the database's collation.
CREATE INDEX recordings_record_id_bytes ON recordings (record_id COLLATE "C");
