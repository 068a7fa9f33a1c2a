-- Tenants exist from the first migration so every row is tenant-scoped; with multitenancy
-- off everything belongs to the 'default' tenant.
CREATE TABLE tenants (
  id         text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name       text NOT NULL UNIQUE,
  enabled    boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id, name) VALUES ('default', 'default');

-- BBB servers of the pool. New servers start disabled, as in Scalelite.
CREATE TABLE servers (
  id              text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  url             text NOT NULL UNIQUE,
  secret          text NOT NULL,
  tag             text,
  state           text NOT NULL DEFAULT 'disabled' CHECK (state IN ('enabled', 'cordoned', 'disabled')),
  load_multiplier double precision NOT NULL DEFAULT 1 CHECK (load_multiplier > 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Meeting history for audit and analytics, written off the hot path.
CREATE TABLE meeting_history (
  id                  bigserial PRIMARY KEY,
  tenant_id           text NOT NULL REFERENCES tenants (id),
  meeting_id          text NOT NULL,
  internal_meeting_id text,
  server_id           text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  ended_at            timestamptz
);
CREATE INDEX meeting_history_meeting ON meeting_history (tenant_id, meeting_id, created_at DESC);
