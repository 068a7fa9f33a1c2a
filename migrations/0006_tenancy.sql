-- Multitenancy: several secrets per tenant (rotation without downtime) and per-tenant settings
-- (parameter policies, server tag, limits, LRS), all in Postgres rather than Scalelite's Redis.
ALTER TABLE tenants ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';

CREATE TABLE tenant_secrets (
  id         bigserial PRIMARY KEY,
  tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  secret     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, secret)
);
