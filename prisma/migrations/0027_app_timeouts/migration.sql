-- Time limits for the application's login (bh_app) in this database: a statement that
-- waits on a lock, or runs, or a transaction left idle, fails instead of holding its
-- connection (and what queues behind it: a tenant's ledger writes go one batch at a time)
-- for ever. A turn's write that fails this way goes to the outbox and is replayed; a read
-- fails with the app's ordinary error. Generous against what the app runs (its slowest
-- statements, the dashboard's over 10M events, take tens of milliseconds): they catch a
-- stuck connection, they do not shape normal work. Set per database (IN DATABASE), since
-- roles are shared by every database of the server. Where the role's settings do not apply
-- at connection (the embedded database's socket server serves one session), nothing changes.
DO $migration$
BEGIN
  EXECUTE format('ALTER ROLE bh_app IN DATABASE %I SET lock_timeout = %L', current_database(), '10s');
  EXECUTE format('ALTER ROLE bh_app IN DATABASE %I SET statement_timeout = %L', current_database(), '60s');
  EXECUTE format('ALTER ROLE bh_app IN DATABASE %I SET idle_in_transaction_session_timeout = %L', current_database(), '60s');
END
$migration$;
