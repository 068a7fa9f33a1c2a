-- getRecordings lists each recording's breakout rooms (<breakoutRooms>) in the same statement:
-- an index on the parent link keeps that a lookup instead of a scan per listed recording.
CREATE INDEX recordings_breakout_parent ON recordings (tenant_id, parent_meeting_id) WHERE parent_meeting_id IS NOT NULL;
