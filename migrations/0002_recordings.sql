-- The recording index. Files live in R2 under <published|unpublished>/<format>/<record_id>/…;
-- Postgres is the index and the source of truth for state, publication and protection.
CREATE TABLE recordings (
  id                  bigserial PRIMARY KEY,
  tenant_id           text NOT NULL REFERENCES tenants (id),
  record_id           text NOT NULL UNIQUE,
  -- The meetingID as the frontend knows it (never the node-scoped one).
  meeting_id          text NOT NULL,
  internal_meeting_id text NOT NULL,
  -- The node that uploaded it; only that node may write it again.
  server_id           text,
  name                text NOT NULL DEFAULT '',
  state               text NOT NULL CHECK (state IN ('processing', 'processed', 'published', 'unpublished', 'deleted')),
  published           boolean NOT NULL DEFAULT false,
  -- An API publish/unpublish wins over what a re-upload's metadata.xml says.
  publish_updated     boolean NOT NULL DEFAULT false,
  protected           boolean NOT NULL DEFAULT false,
  participants        integer,
  start_time          timestamptz,
  end_time            timestamptz,
  size                bigint,
  raw_size            bigint,
  is_breakout         boolean NOT NULL DEFAULT false,
  parent_meeting_id   text,
  breakout_sequence   integer,
  -- Every <meta> child except meetingId, meetingName and isBreakout; AND-ed filters use @>.
  metadata            jsonb NOT NULL DEFAULT '{}',
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  deleted_at          timestamptz
);
CREATE INDEX recordings_meeting ON recordings (tenant_id, meeting_id, start_time DESC);
CREATE INDEX recordings_tenant_start ON recordings (tenant_id, start_time DESC);
CREATE INDEX recordings_record_prefix ON recordings (tenant_id, record_id text_pattern_ops);
CREATE INDEX recordings_metadata ON recordings USING gin (metadata jsonb_path_ops);

-- One row per playback format of a recording.
CREATE TABLE playback_formats (
  recording_id    bigint NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
  format          text NOT NULL,
  -- Path and query only; the host is the balancer's, taken from each request.
  url             text NOT NULL,
  length          integer NOT NULL DEFAULT 0,
  processing_time integer,
  size            bigint,
  -- [{url, width, height, alt}] in sequence order; url is a path.
  preview         jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (recording_id, format)
);
