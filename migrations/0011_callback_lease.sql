-- A claimed delivery is being attempted until its outcome is recorded or the lease runs out; an
-- operator's "retry now" must not make such a row due again, or it could be sent twice.
ALTER TABLE callback_deliveries ADD COLUMN leased_until timestamptz;
