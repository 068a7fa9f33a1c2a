-- Per-server capacity: what a node can take, set by the operator (null = unknown). Admission
-- control and the pool headroom metric (what the pool can still take if its largest enabled
-- server is lost) read it; an unknown capacity is never guessed.
ALTER TABLE servers ADD COLUMN capacity_users integer CHECK (capacity_users > 0);
ALTER TABLE servers ADD COLUMN capacity_meetings integer CHECK (capacity_meetings > 0);
ALTER TABLE servers ADD COLUMN capacity_video_streams integer CHECK (capacity_video_streams > 0);
