-- Node secret rotation (docs/secret-rotation.md): the secret the node is about to switch to. While
-- it is set, calls the node refuses with the current secret are retried with it, and inbound node
-- signatures are accepted with either; once the node is seen to take it, it becomes `secret`.
ALTER TABLE servers ADD COLUMN secret_next text CHECK (secret_next <> '');
