-- Recordings a node is still processing, before anything is uploaded: reported by the node's
-- post_archive (processing) and post_process (processed) hooks (docs/recordings-ingest.md), until
-- `complete` indexes the recording and removes its row here. A new table (expand only): the
-- previous Worker version neither reads nor needs it.
CREATE TABLE recording_processing (
  record_id        text PRIMARY KEY,
  -- getRecordings lists these beside recordings, under -id (recordings' ids are positive).
  id               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant_id        text NOT NULL REFERENCES tenants (id),
  server_id        text NOT NULL,
  -- The meetingID as the frontend knows it (never the node-scoped one), as in recordings.
  meeting_id       text NOT NULL,
  name             text NOT NULL DEFAULT '',
  state            text NOT NULL CHECK (state IN ('processing', 'processed')),
  -- The formats BBB will publish: the node's, less those the meeting's
  -- meta_bbb-disable-recording-formats turned off.
  formats          text[] NOT NULL DEFAULT '{}',
  -- The formats whose processing is done (post_process reported them).
  processed        text[] NOT NULL DEFAULT '{}',
  -- Every meta_ parameter of the meeting but meetingId and meetingName, as recordings.metadata.
  metadata         jsonb NOT NULL DEFAULT '{}',
  start_time       timestamptz,
  meeting_ended_at timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recording_processing_server ON recording_processing (server_id, meeting_ended_at);
CREATE INDEX recording_processing_tenant ON recording_processing (tenant_id, meeting_id);
