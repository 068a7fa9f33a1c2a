-- Uploads in progress from BBB nodes (docs/recordings-ingest.md). Postgres holds what makes an
-- upload resumable: who owns a recording, and the parts of each multipart file already stored.

-- The first node that writes a record id owns it; every later write must come from that node.
CREATE TABLE recording_uploads (
  record_id   text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  server_id   text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One R2 multipart upload per file being sent in parts; removed when the file is complete.
CREATE TABLE recording_multipart_uploads (
  record_id   text NOT NULL REFERENCES recording_uploads (record_id) ON DELETE CASCADE,
  format      text NOT NULL,
  path        text NOT NULL,
  -- The R2 object key and upload id, to resume the upload from any request.
  object_key  text NOT NULL,
  upload_id   text NOT NULL,
  size        bigint NOT NULL,
  sha256      text NOT NULL,
  part_size   bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (record_id, format, path)
);

-- Parts stored and verified (size and SHA-256 checked by the Worker while streaming them to R2).
CREATE TABLE recording_multipart_parts (
  record_id   text NOT NULL,
  format      text NOT NULL,
  path        text NOT NULL,
  part_number integer NOT NULL,
  etag        text NOT NULL,
  size        bigint NOT NULL,
  sha256      text NOT NULL,
  PRIMARY KEY (record_id, format, path, part_number),
  FOREIGN KEY (record_id, format, path) REFERENCES recording_multipart_uploads (record_id, format, path) ON DELETE CASCADE
);
