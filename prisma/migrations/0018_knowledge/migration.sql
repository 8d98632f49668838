-- Tenant knowledge base (issue 13, item 1) and the queue schema for background jobs (item 7).
--
-- Who sees what (policies below):
--   bh_tenant, a member    reads documents and chunks with visibility 'members'
--   bh_tenant, an admin    reads everything of the tenant; creates, replaces, deletes, sets visibility
--   bh_tenant, no user     the platform acting for the tenant (the ingestion job): reads and
--                          writes the tenant's documents and chunks, nothing of another tenant
--   bh_staff, bh_auth      nothing at all (no grant): knowledge is content
-- Admin-only documents are filtered by the policy, not by the application: a member's query
-- that forgets to filter still cannot see them.
--
-- Policies call the scope readers through `(SELECT …)` so PostgreSQL evaluates them once per
-- statement (an InitPlan) instead of once per candidate row: a search touches thousands of
-- index candidates, and app_tenant_id() is a SECURITY DEFINER function (not inlined).

-- Trigram similarity for fuzzy terms; btree_gin lets one GIN index lead with tenant_id, so a
-- common word's posting list is intersected with the tenant's rows inside the index rather
-- than scanned across every tenant. Both ship with Debian's PostgreSQL and with PGlite
-- (loaded in lib/db/embedded.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- ---------------------------------------------------------------------------
-- The tenant's text search configuration (stemming and stop words), used when chunks are
-- indexed and when they are searched. Not part of the versioned assistant configuration:
-- changing it means re-indexing (replace the documents), not a new prompt. Unknown names are
-- mapped to 'simple' by lib/knowledge/language.ts before they get here.
-- ---------------------------------------------------------------------------
ALTER TABLE tenants ADD COLUMN knowledge_language text NOT NULL DEFAULT 'english'
  CHECK (knowledge_language IN ('simple', 'arabic', 'armenian', 'basque', 'catalan', 'danish', 'dutch', 'english', 'finnish',
                                'french', 'german', 'greek', 'hindi', 'hungarian', 'indonesian', 'irish', 'italian',
                                'lithuanian', 'nepali', 'norwegian', 'portuguese', 'romanian', 'russian', 'serbian',
                                'spanish', 'swedish', 'tamil', 'turkish', 'yiddish'));

-- ---------------------------------------------------------------------------
-- Documents: one row per document; `version` is the newest upload, `live_version` the one
-- whose chunks are searchable (NULL until the first version is ready). A replacement keeps
-- the previous version live until the new one is ready; a failed replacement leaves it live.
-- ---------------------------------------------------------------------------
CREATE TABLE knowledge_documents (
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  source_type     text NOT NULL CHECK (source_type IN ('markdown', 'text', 'html', 'pdf', 'docx')),
  visibility      text NOT NULL DEFAULT 'members' CHECK (visibility IN ('members', 'admins')),
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
  failure_reason  text CHECK (char_length(failure_reason) <= 500),
  version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
  live_version    integer CHECK (live_version > 0 AND live_version <= version),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  byte_size       integer NOT NULL CHECK (byte_size >= 0),
  char_count      integer CHECK (char_count >= 0),
  page_count      integer CHECK (page_count >= 0),
  chunk_count     integer CHECK (chunk_count >= 0),
  created_by_id   uuid NOT NULL,
  updated_by_id   uuid NOT NULL,
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  updated_at      timestamptz(3) NOT NULL DEFAULT now(),
  ready_at        timestamptz(3),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT knowledge_documents_failure_reason CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
);
CREATE INDEX knowledge_documents_tenant_id_updated_at_idx ON knowledge_documents (tenant_id, updated_at DESC);

-- The uploaded bytes (or pasted text) of each version, read by the ingestion job. Kept for
-- the live version (re-indexing); a superseded version's source goes with its chunks.
CREATE TABLE knowledge_sources (
  tenant_id    uuid NOT NULL,
  document_id  uuid NOT NULL,
  version      integer NOT NULL CHECK (version > 0),
  media_type   text NOT NULL,
  content      bytea NOT NULL,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, document_id, version),
  FOREIGN KEY (tenant_id, document_id) REFERENCES knowledge_documents (tenant_id, id) ON DELETE CASCADE
);

-- ---------------------------------------------------------------------------
-- Chunks: a heading-delimited passage within a token bound. `visibility` is the document's,
-- copied so the policy needs no per-row lookup of the document (lib/knowledge/documents.ts
-- changes both in one statement). `search_vector` is computed at ingestion with the tenant's
-- language (a stored column cannot name a per-row configuration).
-- ---------------------------------------------------------------------------
CREATE TABLE knowledge_chunks (
  tenant_id      uuid NOT NULL,
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  document_id    uuid NOT NULL,
  version        integer NOT NULL CHECK (version > 0),
  ordinal        integer NOT NULL CHECK (ordinal >= 0),
  heading_path   text[] NOT NULL DEFAULT '{}',
  text           text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 20000),
  token_count    integer NOT NULL CHECK (token_count > 0),
  visibility     text NOT NULL CHECK (visibility IN ('members', 'admins')),
  search_vector  tsvector NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, document_id, version, ordinal),
  FOREIGN KEY (tenant_id, document_id) REFERENCES knowledge_documents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX knowledge_chunks_search_idx ON knowledge_chunks USING gin (tenant_id, search_vector);

-- Fuzzy terms: the tenant's vocabulary (the words of its documents, unstemmed, lower case),
-- so a misspelt query word is matched by trigram similarity against short distinct words
-- (tens of thousands of rows) instead of against every chunk's text (long rows, where
-- trigram candidates are most of the table). The words found are then searched through the
-- full-text index, so what a caller can reach is still decided by the chunks' policies.
-- `chunks` counts the chunks a word was indexed in (the rarest words of a question are the
-- ones worth searching for when not every word matches); it is only ever added to, so after
-- replacements and deletions it is an upper bound. Nobody reads or writes this table but
-- knowledge_rank() and knowledge_add_terms() (no grant at all): it is content, and it is
-- only ever a query expansion. Words stay when a document goes (a word that matches no chunk
-- expands a query to nothing); they go with the tenant.
CREATE TABLE knowledge_terms (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  term       text NOT NULL CHECK (char_length(term) BETWEEN 1 AND 64),
  chunks     integer NOT NULL CHECK (chunks > 0),
  PRIMARY KEY (tenant_id, term)
);
CREATE INDEX knowledge_terms_trgm_idx ON knowledge_terms USING gin (tenant_id, term gin_trgm_ops);

ALTER TABLE knowledge_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_documents FORCE ROW LEVEL SECURITY;
ALTER TABLE knowledge_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_sources FORCE ROW LEVEL SECURITY;
ALTER TABLE knowledge_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_chunks FORCE ROW LEVEL SECURITY;
ALTER TABLE knowledge_terms ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_terms FORCE ROW LEVEL SECURITY;

-- bh_tenant only. No grant to bh_staff or bh_auth: they cannot even name these tables.
GRANT SELECT, INSERT, DELETE ON knowledge_documents TO bh_tenant;
GRANT UPDATE (title, visibility, status, failure_reason, version, live_version, attempts, byte_size, char_count, page_count,
              chunk_count, source_type, updated_by_id, updated_at, ready_at)
  ON knowledge_documents TO bh_tenant;
GRANT SELECT, INSERT, DELETE ON knowledge_sources TO bh_tenant;
GRANT SELECT, INSERT, DELETE, UPDATE (visibility) ON knowledge_chunks TO bh_tenant;

-- Readers: the tenant's members see 'members' documents; admins, owners and the platform
-- scope (no user) see all of the tenant's.
CREATE FUNCTION app_sees_admin_knowledge() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT app_user_id() IS NULL OR app_member_role() IN ('owner', 'admin')
$$;
-- Writers: admins and owners, or the platform scope (the ingestion job).
CREATE FUNCTION app_writes_knowledge() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT app_user_id() IS NULL OR app_member_role() IN ('owner', 'admin')
$$;
REVOKE EXECUTE ON FUNCTION app_sees_admin_knowledge() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION app_writes_knowledge() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_sees_admin_knowledge() TO bh_tenant;
GRANT EXECUTE ON FUNCTION app_writes_knowledge() TO bh_tenant;

CREATE POLICY knowledge_documents_read ON knowledge_documents FOR SELECT TO bh_tenant
  USING (tenant_id = (SELECT app_tenant_id()) AND (visibility = 'members' OR (SELECT app_sees_admin_knowledge())));
CREATE POLICY knowledge_documents_insert ON knowledge_documents FOR INSERT TO bh_tenant
  WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_member_role()) IN ('owner', 'admin')
              AND created_by_id = (SELECT app_user_id()) AND updated_by_id = created_by_id);
CREATE POLICY knowledge_documents_update ON knowledge_documents FOR UPDATE TO bh_tenant
  USING (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()))
  WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()));
CREATE POLICY knowledge_documents_delete ON knowledge_documents FOR DELETE TO bh_tenant
  USING (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_member_role()) IN ('owner', 'admin'));

-- Sources are read only by the ingestion job and written by admins: members never see them.
CREATE POLICY knowledge_sources_all ON knowledge_sources FOR ALL TO bh_tenant
  USING (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()))
  WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()));

CREATE POLICY knowledge_chunks_read ON knowledge_chunks FOR SELECT TO bh_tenant
  USING (tenant_id = (SELECT app_tenant_id()) AND (visibility = 'members' OR (SELECT app_sees_admin_knowledge())));
CREATE POLICY knowledge_chunks_write ON knowledge_chunks FOR INSERT TO bh_tenant
  WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()));
CREATE POLICY knowledge_chunks_update ON knowledge_chunks FOR UPDATE TO bh_tenant
  USING (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()))
  WITH CHECK (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()));
CREATE POLICY knowledge_chunks_delete ON knowledge_chunks FOR DELETE TO bh_tenant
  USING (tenant_id = (SELECT app_tenant_id()) AND (SELECT app_writes_knowledge()));

-- knowledge_terms: no policy for bh_tenant (and no grant); see knowledge_add_terms() below.

-- ---------------------------------------------------------------------------
-- Ranking. Under row-level security PostgreSQL will not use an index for an operator that
-- is not LEAKPROOF (`@@` and pg_trgm's `%` are not), so a search run directly as bh_tenant
-- scans every row of the table (measured: 100,000 chunks, 80-160 ms, seq scan). This
-- function ranks as the owner, with the scope's own tenant and visibility written out as
-- the policies write them, so both GIN indexes are used; it returns chunk ids and ranks only,
-- and the caller (lib/knowledge/search.ts) reads every passage's text through the policies,
-- which drop any id the scope may not see. The tenant comes from the scope (app_tenant_id(),
-- membership-checked), never from an argument.
--
-- Two lists, each at most p_limit long, best first:
--   exact  websearch_to_tsquery of the query (every word), ranked by ts_rank_cd (cover
--          density); when fewer than p_limit passages have every word, followed by those
--          with any of the query's four rarest known words (by knowledge_terms.chunks)
--   fuzzy  the query corrected against the tenant's vocabulary: each word the vocabulary
--          lacks becomes the OR of up to three trigram-similar words it has, the known
--          words stay, all AND-ed into one tsquery and ranked the same way ("refnd policy"
--          searches (refund | refunds) & policy). Empty when every word is known: the exact
--          list already has what it would find.
-- Ranking reads at most p_candidates matches of each list (a word in every chunk must not
-- make a query rank the whole tenant); lib/knowledge/search.ts documents the trade-off.
-- ---------------------------------------------------------------------------
CREATE POLICY knowledge_chunks_definer_read ON knowledge_chunks FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY knowledge_terms_definer_all ON knowledge_terms FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

-- The ingestion job adds a document's words to its tenant's vocabulary: the scope's tenant
-- only, and only for a scope that may write knowledge (admins, the platform). Sorted so two
-- jobs adding overlapping words lock them in the same order.
CREATE FUNCTION knowledge_add_terms(p_terms text[], p_chunks integer[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_tenant uuid := app_tenant_id();
BEGIN
  IF v_tenant IS NULL OR NOT app_writes_knowledge() THEN
    RAISE EXCEPTION 'only a tenant''s admins and its ingestion add knowledge terms' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO knowledge_terms AS k (tenant_id, term, chunks)
  SELECT v_tenant, u.t, u.c FROM unnest(p_terms, p_chunks) AS u(t, c) WHERE u.c > 0 ORDER BY u.t
  ON CONFLICT (tenant_id, term) DO UPDATE SET chunks = k.chunks + EXCLUDED.chunks;
END
$$;
REVOKE EXECUTE ON FUNCTION knowledge_add_terms(text[], integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION knowledge_add_terms(text[], integer[]) TO bh_tenant;

CREATE FUNCTION knowledge_rank(p_config regconfig, p_query text, p_words text[], p_limit integer, p_candidates integer, p_members_only boolean)
RETURNS TABLE (chunk_id uuid, list text, rank integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public SET pg_trgm.similarity_threshold = 0.4 AS $$
DECLARE
  v_tenant uuid := app_tenant_id();
  v_all boolean;
  v_exact tsquery;
  v_any tsquery;
  v_fuzzy tsquery;
  v_word text;
  v_list text;
  v_variants tsquery;
  v_corrected boolean := false;
  v_found integer := 0;
BEGIN
  IF v_tenant IS NULL OR p_limit < 1 THEN
    RETURN;
  END IF;
  v_all := NOT p_members_only AND app_sees_admin_knowledge();

  -- exact: every word of the query (websearch syntax: "quoted phrases", -exclusions, or).
  v_exact := websearch_to_tsquery(p_config, p_query);
  IF numnode(v_exact) > 0 THEN
    RETURN QUERY
      SELECT m.id, 'exact'::text, (row_number() OVER (ORDER BY m.score DESC, m.id))::integer
        FROM (SELECT c.id, ts_rank_cd(c.search_vector, v_exact) AS score
                FROM (SELECT k.id, k.search_vector FROM knowledge_chunks k
                       WHERE k.tenant_id = v_tenant AND k.search_vector @@ v_exact AND (v_all OR k.visibility = 'members')
                       LIMIT p_candidates) c) m
       ORDER BY 3 LIMIT p_limit;
    GET DIAGNOSTICS v_found = ROW_COUNT;
  END IF;

  -- Then, when too few passages have every word (a question in a sentence rarely does), the
  -- passages with any of its four rarest known words, ranked after those.
  IF v_found < p_limit THEN
    SELECT string_agg(quote_literal(r.term), ' | ') INTO v_list
      FROM (SELECT k.term FROM knowledge_terms k WHERE k.tenant_id = v_tenant AND k.term = ANY (p_words)
             ORDER BY k.chunks, k.term LIMIT 4) r;
    v_any := CASE WHEN v_list IS NULL THEN NULL ELSE to_tsquery(p_config, v_list) END;
    IF v_any IS NOT NULL AND numnode(v_any) > 0 THEN
      RETURN QUERY
        SELECT m.id, 'exact'::text, (v_found + row_number() OVER (ORDER BY m.score DESC, m.id))::integer
          FROM (SELECT c.id, ts_rank_cd(c.search_vector, v_any) AS score
                  FROM (SELECT k.id, k.search_vector FROM knowledge_chunks k
                         WHERE k.tenant_id = v_tenant AND k.search_vector @@ v_any AND (v_all OR k.visibility = 'members')
                           AND (numnode(v_exact) = 0 OR NOT k.search_vector @@ v_exact)
                         LIMIT p_candidates) c) m
         ORDER BY 3 LIMIT p_limit - v_found;
    END IF;
  END IF;

  -- fuzzy: the query corrected against the vocabulary, only when some word is not in it.
  FOREACH v_word IN ARRAY p_words LOOP
    IF EXISTS (SELECT 1 FROM knowledge_terms k WHERE k.tenant_id = v_tenant AND k.term = v_word) THEN
      v_variants := plainto_tsquery(p_config, v_word);
    ELSE
      SELECT string_agg(quote_literal(s.term), ' | ' ORDER BY s.sim DESC, s.term) INTO v_list
        FROM (SELECT k.term, similarity(k.term, v_word) AS sim FROM knowledge_terms k
               WHERE k.tenant_id = v_tenant AND k.term % v_word
               ORDER BY 2 DESC, 1 LIMIT 3) s;
      v_variants := CASE WHEN v_list IS NULL THEN NULL ELSE to_tsquery(p_config, v_list) END;
      v_corrected := v_corrected OR v_variants IS NOT NULL;
    END IF;
    IF v_variants IS NOT NULL AND numnode(v_variants) > 0 THEN
      v_fuzzy := CASE WHEN v_fuzzy IS NULL THEN v_variants ELSE v_fuzzy && v_variants END;
    END IF;
  END LOOP;
  IF v_corrected AND v_fuzzy IS NOT NULL AND numnode(v_fuzzy) > 0 THEN
    RETURN QUERY
      SELECT m.id, 'fuzzy'::text, (row_number() OVER (ORDER BY m.score DESC, m.id))::integer
        FROM (SELECT c.id, ts_rank_cd(c.search_vector, v_fuzzy) AS score
                FROM (SELECT k.id, k.search_vector FROM knowledge_chunks k
                       WHERE k.tenant_id = v_tenant AND k.search_vector @@ v_fuzzy AND (v_all OR k.visibility = 'members')
                       LIMIT p_candidates) c) m
       ORDER BY 3 LIMIT p_limit;
  END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION knowledge_rank(regconfig, text, text[], integer, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION knowledge_rank(regconfig, text, text[], integer, integer, boolean) TO bh_tenant;

-- ---------------------------------------------------------------------------
-- Background jobs (lib/jobs/boss.ts): pg-boss keeps its queue in a schema of its own and
-- creates (and upgrades) its tables there at start. It runs as the application's login,
-- which gets CREATE on this one schema and nothing on the tenant tables: job payloads carry
-- ids (tenant, document, version), never content, and every job's work runs under a scoped
-- role through withScopeSql, as a request does.
-- ---------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS pgboss;
GRANT USAGE, CREATE ON SCHEMA pgboss TO bh_app;
