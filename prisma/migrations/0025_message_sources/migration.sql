-- The knowledge sources of an answer, kept with it (issue 13, item 2): the reply shows the
-- passages it used when the conversation is opened again, not only while it streams.
--
-- One row per assistant message that had sources, written after the answer is saved (off the
-- reply's path; lib/context/message-sources.ts) and read with the conversation. Private to the
-- user like the message itself (the same policy as messages_owner); it goes with the message
-- (and so with the conversation and the tenant). A source is what the reply showed: document,
-- section and the passage's opening at the time, so a document replaced or deleted later
-- leaves the answer's record of what it read.
CREATE TABLE message_sources (
  tenant_id   uuid NOT NULL,
  message_id  uuid NOT NULL,
  user_id     uuid NOT NULL,
  sources     jsonb NOT NULL CHECK (jsonb_typeof(sources) = 'array' AND jsonb_array_length(sources) BETWEEN 1 AND 50),
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, message_id),
  FOREIGN KEY (tenant_id, message_id) REFERENCES messages (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE message_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_sources FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON message_sources TO bh_tenant;
CREATE POLICY message_sources_owner ON message_sources FOR ALL TO bh_tenant
  USING (tenant_id = (SELECT app_tenant_id()) AND user_id = (SELECT app_user_id()))
  WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND user_id = (SELECT app_user_id()));
