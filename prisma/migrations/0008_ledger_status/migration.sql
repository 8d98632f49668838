-- A ledger row exists before its upstream request leaves (0009_ledger): 'started' is its
-- status until it is settled. Its own migration because PostgreSQL refuses to use an enum
-- value in the transaction that added it.
ALTER TYPE "UsageStatus" ADD VALUE IF NOT EXISTS 'started' BEFORE 'completed';
