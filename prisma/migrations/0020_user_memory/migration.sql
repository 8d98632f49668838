-- User memory and the session layer (issue 13, items 4 and 5).
--
-- Three tenant-owned tables, each private to one user inside the tenant exactly like
-- conversations and messages (0001): the policy compares both tenant_id with
-- app_tenant_id() — which since 0010 also requires a membership of (tenant, user) — and
-- user_id with app_user_id(). A tenant scope with no user (the platform acting for the
-- tenant) sees none of these rows, and the staff role has no privilege on them at all.
--
--   user_memories         facts and preferences: written by the user (source 'user', always
--                         'active'), or proposed by a background job from the user's own
--                         conversations (source 'proposed', 'proposed' until the user
--                         accepts — then 'active' — or dismisses it). A dismissed proposal is
--                         kept so the same fact is not proposed again.
--   user_memory_settings  per user and tenant: whether the proposal job may read the user's
--                         conversations at all (off unless the user turns it on).
--   conversation_summaries  the session layer: one rolling summary per conversation of the
--                         turns that no longer fit the window, with the point it covers up to
--                         (compose reads only messages after it and puts the summary in their
--                         place), and how far the memory-proposal job has read.

CREATE TABLE user_memories (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id          uuid NOT NULL,
  content          text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 500),
  source           text NOT NULL CHECK (source IN ('user', 'proposed')),
  status           text NOT NULL CHECK (status IN ('active', 'proposed', 'dismissed')),
  -- Where a proposal came from (no foreign key: deleting the conversation keeps the fact).
  conversation_id  uuid,
  created_at       timestamptz(3) NOT NULL DEFAULT now(),
  updated_at       timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  -- Leaving the workspace (or its deletion) takes the user's memory with the membership.
  FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE,
  -- What the user wrote is never "proposed"; only proposals can be dismissed.
  CONSTRAINT user_memories_status_by_source CHECK (source = 'proposed' OR status = 'active')
);
-- One row per fact and user (case-insensitive): re-adding an existing fact, or the job
-- proposing one the user already has or dismissed, lands on that row.
CREATE UNIQUE INDEX user_memories_fact_key ON user_memories (tenant_id, user_id, md5(lower(content)));
CREATE INDEX user_memories_tenant_id_user_id_status_updated_at_idx ON user_memories (tenant_id, user_id, status, updated_at DESC);

CREATE TABLE user_memory_settings (
  tenant_id       uuid NOT NULL,
  user_id         uuid NOT NULL,
  propose_from_conversations boolean NOT NULL DEFAULT false,
  updated_at      timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);

CREATE TABLE conversation_summaries (
  tenant_id           uuid NOT NULL,
  conversation_id     uuid NOT NULL,
  user_id             uuid NOT NULL,
  summary             text NOT NULL DEFAULT '',
  -- Messages created at or before this instant are represented by `summary`.
  covered_until       timestamptz(3),
  covered_messages    integer NOT NULL DEFAULT 0 CHECK (covered_messages >= 0),
  -- The memory-proposal job has read the messages up to this instant.
  memory_scanned_until timestamptz(3),
  -- The ledger row of the call that wrote the summary (request_type 'background').
  request_id          text,
  updated_at          timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, conversation_id),
  FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE user_memories ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_memories FORCE ROW LEVEL SECURITY;
ALTER TABLE user_memory_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_memory_settings FORCE ROW LEVEL SECURITY;
ALTER TABLE conversation_summaries ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_summaries FORCE ROW LEVEL SECURITY;

GRANT SELECT, INSERT, UPDATE (content, source, status, updated_at), DELETE ON user_memories TO bh_tenant;
GRANT SELECT, INSERT, UPDATE (propose_from_conversations, updated_at) ON user_memory_settings TO bh_tenant;
GRANT SELECT, INSERT, UPDATE (summary, covered_until, covered_messages, memory_scanned_until, request_id, updated_at), DELETE
  ON conversation_summaries TO bh_tenant;

CREATE POLICY user_memories_owner ON user_memories FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id() AND user_id = app_user_id())
  WITH CHECK (tenant_id = app_tenant_id() AND user_id = app_user_id());
CREATE POLICY user_memory_settings_owner ON user_memory_settings FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id() AND user_id = app_user_id())
  WITH CHECK (tenant_id = app_tenant_id() AND user_id = app_user_id());
CREATE POLICY conversation_summaries_owner ON conversation_summaries FOR ALL TO bh_tenant
  USING (tenant_id = app_tenant_id() AND user_id = app_user_id())
  WITH CHECK (tenant_id = app_tenant_id() AND user_id = app_user_id());
