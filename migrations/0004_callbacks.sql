-- Callback URLs a frontend passed at create. The balancer keeps them so that nodes never call
-- frontends directly: recording-ready is sent after import, signed with the frontend's secret,
-- and the end callback is relayed through the balancer.
CREATE TABLE meeting_callbacks (
  tenant_id           text NOT NULL REFERENCES tenants (id),
  -- The meetingID as the frontend knows it.
  meeting_id          text NOT NULL,
  recording_ready_url text,
  end_callback_url    text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, meeting_id)
);

-- Outbound callbacks, retried with backoff by the cron until a 2xx, a 404/410, or expiry.
CREATE TABLE callback_deliveries (
  id              bigserial PRIMARY KEY,
  tenant_id       text NOT NULL REFERENCES tenants (id),
  kind            text NOT NULL CHECK (kind IN ('recording_ready', 'meeting_ended')),
  -- One delivery per recording (recording_ready) or per ended meeting instance (meeting_ended),
  -- however often an upload completes or a node calls back.
  dedupe_key      text NOT NULL,
  meeting_id      text NOT NULL,
  record_id       text,
  -- The full target URL; listings redact its query (frontends put tokens there).
  url             text NOT NULL,
  -- recording_ready: the JWT claims; meeting_ended: the parameters the node sent.
  payload         jsonb NOT NULL DEFAULT '{}',
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  last_status     integer,
  -- Never contains the URL's query or a token.
  last_error      text,
  delivered_at    timestamptz,
  expires_at      timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, kind, dedupe_key)
);
CREATE INDEX callback_deliveries_due ON callback_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX callback_deliveries_listing ON callback_deliveries (tenant_id, status, created_at DESC);
