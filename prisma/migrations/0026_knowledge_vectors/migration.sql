-- Vectors for knowledge search (issue 13, item 3), where pgvector is installed: the embedded
-- database that `npm start` runs has it (PGlite's pgvector, loaded in lib/db/embedded.ts);
-- Debian's PostgreSQL 15 packages do not, and there this migration creates nothing and
-- search stays full-text only. Installing pgvector on a server later: `CREATE EXTENSION
-- vector` is not enough, this block must run again (the README says how).
--
-- One embedding per chunk, of the model that made it (vectors of two models are never
-- compared: the ranker asks for its own model's). 1024 dimensions: Voyage's default for
-- voyage-3.5, which lib/knowledge/voyage.ts asks for. The chunk's deletion (a replaced or
-- deleted document) takes its embedding with it.
--
-- Isolation as for the chunks (0018_knowledge): tenant-owned, row-level security forced,
-- bh_tenant only (no grant to bh_staff or bh_auth). A row is readable only where its chunk
-- is readable through the chunks' own policy, so a member never reads the vector of an
-- admin-only passage (vectors can be partly inverted into text).
--
-- The HNSW index is over all tenants: a query's nearest neighbours are filtered to the
-- scope's tenant as the index is walked (pgvector 0.8 iterative scans, which the ranker
-- turns on for its statement, lib/knowledge/embeddings.ts). Fine for a tenant holding a
-- fair part of the table; a deployment with many small tenants would want the index
-- partitioned by tenant.
DO $migration$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RAISE NOTICE 'pgvector is not installed: knowledge search stays full-text only';
    RETURN;
  END IF;
  CREATE EXTENSION IF NOT EXISTS vector;

  CREATE TABLE knowledge_embeddings (
    tenant_id  uuid NOT NULL,
    chunk_id   uuid NOT NULL,
    model      text NOT NULL CHECK (char_length(model) BETWEEN 1 AND 100),
    embedding  vector(1024) NOT NULL,
    PRIMARY KEY (tenant_id, chunk_id),
    FOREIGN KEY (tenant_id, chunk_id) REFERENCES knowledge_chunks (tenant_id, id) ON DELETE CASCADE
  );
  CREATE INDEX knowledge_embeddings_hnsw_idx ON knowledge_embeddings USING hnsw (embedding vector_cosine_ops);

  ALTER TABLE knowledge_embeddings ENABLE ROW LEVEL SECURITY;
  ALTER TABLE knowledge_embeddings FORCE ROW LEVEL SECURITY;
  GRANT SELECT, INSERT, DELETE ON knowledge_embeddings TO bh_tenant;
  CREATE POLICY knowledge_embeddings_read ON knowledge_embeddings FOR SELECT TO bh_tenant
    USING (tenant_id = (SELECT app_tenant_id())
           AND EXISTS (SELECT 1 FROM knowledge_chunks c WHERE c.tenant_id = knowledge_embeddings.tenant_id AND c.id = knowledge_embeddings.chunk_id));
  CREATE POLICY knowledge_embeddings_write ON knowledge_embeddings FOR INSERT TO bh_tenant
    WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()));
  CREATE POLICY knowledge_embeddings_delete ON knowledge_embeddings FOR DELETE TO bh_tenant
    USING (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()));
END
$migration$;
