-- getRecordings pages newest first: this index lets a page stop after offset + limit entries
-- instead of sorting every match.
CREATE INDEX recordings_newest ON recordings (tenant_id, start_time DESC NULLS LAST, id DESC);
-- A paged answer counts every match (totalElements); without a narrower filter this index
-- answers the count by an index-only scan.
CREATE INDEX recordings_state ON recordings (tenant_id, state);
-- getRecordings lists each recording's breakout rooms (<breakoutRooms>) in the same statement:
-- an index on the parent link keeps that a lookup instead of a scan per listed recording.
CREATE INDEX recordings_breakout_parent ON recordings (tenant_id, parent_meeting_id) WHERE parent_meeting_id IS NOT NULL;
