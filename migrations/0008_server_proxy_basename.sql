-- Cluster proxy: a per-server path basename overriding the default (the first DNS label of the
-- server's host), for two nodes on one host or with the same first label.
ALTER TABLE servers ADD COLUMN proxy_basename text
  CHECK (proxy_basename ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$');
