-- The compact history the poll keeps (docs/observability.md#history): one sample of the pool every
-- 5 minutes, written by the poll in one statement, kept 7 days (purged by that same statement).
-- No foreign key to servers: a removed server's past stays readable until it ages out.
CREATE TABLE server_samples (
  sampled_at    timestamptz NOT NULL,
  server_id     text NOT NULL,
  -- Whether it answered the sampling cycle's getMeetings.
  answered      boolean NOT NULL,
  meetings      integer NOT NULL,
  participants  integer NOT NULL,
  video_streams integer NOT NULL,
  load          real,
  -- Failed polls in a row at that moment (0 after a good one).
  poll_failures integer NOT NULL
);
-- Rows arrive in time order, so a block range index finds a time range at a fraction of a
-- B-tree's size (1,000 servers: 29 MB of rows a day, a B-tree on (time, server) would add 26 MB).
CREATE INDEX server_samples_at ON server_samples USING brin (sampled_at);

CREATE TABLE pool_samples (
  sampled_at    timestamptz PRIMARY KEY,
  -- The sampling cycle: its duration and servers polled and failed.
  poll_ms       integer NOT NULL,
  servers       integer NOT NULL,
  servers_failed integer NOT NULL,
  -- Running totals (null when unknown, e.g. metrics off): a chart shows the difference between samples.
  poll_failures_total    bigint,
  api_errors_total       bigint,
  join_failures_total    bigint,
  imports_total          bigint,
  import_delay_seconds_total double precision
);

-- Usage per tenant per UTC day, added to by every sample (each stands for the 5 minutes it opens).
-- Kept as long as the tenant: a year of one tenant is 365 small rows.
CREATE TABLE tenant_usage_days (
  tenant_id           text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  day                 date NOT NULL,
  meeting_minutes     bigint NOT NULL,
  participant_minutes bigint NOT NULL,
  peak_participants   integer NOT NULL,
  PRIMARY KEY (tenant_id, day)
);
