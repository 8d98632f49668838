-- Knowledge ranking at 100,000 chunks a tenant (issue 13, item 9): the access path chosen by
-- how common the query's words are, and the fallback list built from discriminating words.
--
-- Measured before this change (bench knowledge --quick, 100,000 chunks in one tenant):
--   * a word in most of the tenant's chunks: the GIN bitmap scan reads its whole posting list
--     before the first row comes back (14 ms for a word in all 100,000), although ranking
--     stops after p_candidates matches;
--   * the fallback "any of the four rarest words" list took a word in every chunk whenever
--     the question had fewer than four rare words, so PostgreSQL scanned the table and the
--     list ranked whichever chunks came first (slow, and no better than arbitrary).
--
-- Now knowledge_rank() reads each known query word's chunk count (knowledge_terms.chunks, an
-- upper bound) and the tenant's chunk total (its live documents' chunk_count):
--   * when even the rarest word of the exact query is in more than a third of the tenant's
--     chunks, the tenant's rows are read in key order and matched with ts_match_vq() (the
--     function behind @@, which no index serves): about p_candidates × 3 rows are read (at
--     most p_candidates × 10; fewer than a page of results there and the index path runs),
--     where the index would have read every match first. Otherwise the GIN index, as before.
--   * the fallback list is built only from words in at most a third of the chunks (rarest
--     first, up to four); a question whose every word is common takes its two rarest words
--     through the key-order path. Passages already in the exact list are excluded by id
--     instead of by testing each candidate against the exact query again.
-- Both paths return the same kind of list; which one runs changes speed, not who sees what:
-- the tenant and visibility conditions are the same in both, and the caller still reads every
-- passage through the policies (lib/knowledge/search.ts).

-- Chunks kept whole in the heap. A chunk's tsvector (about 2 kB of lexemes and positions
-- for 180 words) pushed the row over the 2 kB toast threshold, so every tsvector test and
-- every ts_rank_cd read it from the TOAST table: ranking 3,000 such rows took 30 ms, the same
-- rows stored inline 8 ms. Rows are toasted only above 8 kB now (a chunk's text is at most
-- 20,000 characters), and then the text goes out first. Rows written before this migration
-- keep their storage until their document is replaced.
ALTER TABLE knowledge_chunks SET (toast_tuple_target = 8160);
ALTER TABLE knowledge_chunks ALTER COLUMN search_vector SET STORAGE MAIN;

-- No pending list on the two GIN indexes. With fastupdate (the default) new entries wait in
-- an unsorted list, up to 4 MB, that every search reads through until a vacuum merges it:
-- measured right after ingesting 2,000 chunks, one search took 17 ms, 4 ms once the list was
-- merged. Ingestion is a background job and pays for the direct insert instead.
ALTER INDEX knowledge_chunks_search_idx SET (fastupdate = off);
ALTER INDEX knowledge_terms_trgm_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('knowledge_chunks_search_idx'::regclass), gin_clean_pending_list('knowledge_terms_trgm_idx'::regclass);

-- The ranking function reads the tenant's chunk total from its documents (owner only, like
-- knowledge_chunks_definer_read in 0018).
CREATE POLICY knowledge_documents_definer_read ON knowledge_documents FOR SELECT TO CURRENT_USER USING (true);
-- ... by an index-only scan where the visibility map allows (thousands of documents a tenant).
CREATE INDEX knowledge_documents_live_chunks_idx ON knowledge_documents (tenant_id) INCLUDE (chunk_count) WHERE live_version IS NOT NULL;

-- One ranked list: the ids of at most p_limit of the tenant's passages matching p_rank, best
-- first by ts_rank_cd among at most p_candidates matches, leaving out p_exclude. Called only by
-- knowledge_rank() as the owner: no grant (the tenant is an argument here). The access path
-- is fixed per function (SET): the planner prices a tsvector test as cheap, while on these
-- rows (about 2 kB of lexemes and positions each, detoasted per test) it is the main cost, so
-- left to itself it sometimes walks the table testing rows when the index had a short list.
-- PL/pgSQL with generic plans, so each connection plans a statement once (a LANGUAGE sql
-- function is planned again at every call, and PL/pgSQL's custom plans for a tsquery
-- parameter were planned again at most calls); the access path does not depend on the
-- values, it is chosen by which function runs.
--
-- knowledge_rank_indexed: candidates from the GIN index on p_index, which is p_rank or a
-- weaker query with only its discriminating words (the index intersects short posting lists;
-- the common words are tested on the candidates instead).
CREATE FUNCTION knowledge_rank_indexed(p_tenant uuid, p_index tsquery, p_rank tsquery, p_all boolean, p_exclude uuid[], p_candidates integer, p_limit integer)
RETURNS uuid[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_indexscan = off AS $$
BEGIN
  RETURN (SELECT coalesce(array_agg(m.id ORDER BY m.score DESC, m.id), '{}')
    FROM (SELECT c.id, ts_rank_cd(c.search_vector, p_rank) AS score
            FROM (SELECT k.id, k.search_vector FROM knowledge_chunks k
                   WHERE k.tenant_id = p_tenant AND k.search_vector @@ p_index AND (p_index = p_rank OR ts_match_vq(k.search_vector, p_rank))
                     AND (p_all OR k.visibility = 'members') AND k.id <> ALL (p_exclude)
                   LIMIT p_candidates) c
           ORDER BY 2 DESC, 1 LIMIT p_limit) m);
END
$$;
-- knowledge_rank_scanned: the tenant's rows in key order, each tested with ts_match_vq() (the
-- function behind @@, which no index serves), at most p_candidates × 10 rows read. For a
-- query whose every word is in a third of the chunks or more, p_candidates matches come
-- after about p_candidates × 3 rows, where the index would first read every match's posting.
CREATE FUNCTION knowledge_rank_scanned(p_tenant uuid, p_rank tsquery, p_all boolean, p_exclude uuid[], p_candidates integer, p_limit integer)
RETURNS uuid[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public SET plan_cache_mode = force_generic_plan SET enable_bitmapscan = off AS $$
BEGIN
  RETURN (SELECT coalesce(array_agg(m.id ORDER BY m.score DESC, m.id), '{}')
    FROM (SELECT c.id, ts_rank_cd(c.search_vector, p_rank) AS score
            FROM (SELECT k.id, k.search_vector
                    FROM (SELECT k.id, k.search_vector, k.visibility FROM knowledge_chunks k
                           WHERE k.tenant_id = p_tenant LIMIT p_candidates * 10) k
                   WHERE ts_match_vq(k.search_vector, p_rank) AND (p_all OR k.visibility = 'members') AND k.id <> ALL (p_exclude)
                   LIMIT p_candidates) c
           ORDER BY 2 DESC, 1 LIMIT p_limit) m);
END
$$;
REVOKE EXECUTE ON FUNCTION knowledge_rank_indexed(uuid, tsquery, tsquery, boolean, uuid[], integer, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION knowledge_rank_scanned(uuid, tsquery, boolean, uuid[], integer, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION knowledge_rank(p_config regconfig, p_query text, p_words text[], p_limit integer, p_candidates integer, p_members_only boolean)
RETURNS TABLE (chunk_id uuid, list text, rank integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public SET pg_trgm.similarity_threshold = 0.4
  SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  v_tenant uuid := app_tenant_id();
  v_all boolean;
  v_common bigint;          -- a word in more chunks than this is "common"
  v_known text[];           -- the query's words the vocabulary has, rarest first
  v_known_chunks integer[]; -- their chunk counts, same order
  v_rare text[];            -- known words in at most v_common chunks, rarest first
  v_exact tsquery;
  v_plain boolean;          -- the query is the plain AND of p_words (no phrase, exclusion, or, short word)
  v_index tsquery;
  v_any tsquery;
  v_any_terms text[];
  v_sum bigint := 0;
  v_i integer;
  v_fuzzy tsquery;
  v_variants tsquery;
  v_word text;
  v_list text;
  v_corrected boolean := false;
  v_ids uuid[] := '{}';
BEGIN
  IF v_tenant IS NULL OR p_limit < 1 THEN
    RETURN;
  END IF;
  v_all := NOT p_members_only AND app_sees_admin_knowledge();
  -- Stop words of the tenant's language are in no chunk's lexemes: neither known nor worth
  -- correcting ("what", "does", "about" in a question).
  p_words := ARRAY(SELECT w FROM unnest(p_words) AS w WHERE numnode(plainto_tsquery(p_config, w)) > 0);

  SELECT greatest(coalesce(sum(d.chunk_count), 0) / 3, p_candidates) INTO v_common
    FROM knowledge_documents d WHERE d.tenant_id = v_tenant AND d.live_version IS NOT NULL;
  SELECT coalesce(array_agg(k.term ORDER BY k.chunks, k.term), '{}'), coalesce(array_agg(k.chunks ORDER BY k.chunks, k.term), '{}')
    INTO v_known, v_known_chunks
    FROM knowledge_terms k WHERE k.tenant_id = v_tenant AND k.term = ANY (p_words);
  SELECT coalesce(array_agg(u.t ORDER BY u.o), '{}') INTO v_rare
    FROM unnest(v_known, v_known_chunks) WITH ORDINALITY AS u(t, c, o) WHERE u.c <= v_common;

  -- exact: every word of the query (websearch syntax: "quoted phrases", -exclusions, or),
  -- through the key-order path when it is a plain AND of words that are all common.
  v_exact := websearch_to_tsquery(p_config, p_query);
  v_plain := cardinality(p_words) > 0 AND v_exact = plainto_tsquery(p_config, array_to_string(p_words, ' '));
  IF v_exact IS NOT NULL AND numnode(v_exact) > 0 THEN
    IF v_plain AND cardinality(v_known) = cardinality(p_words) AND cardinality(v_rare) = 0 THEN
      v_ids := knowledge_rank_scanned(v_tenant, v_exact, v_all, '{}', p_candidates, p_limit);
    END IF;
    IF cardinality(v_ids) < least(p_limit, p_candidates) THEN
      -- A plain AND of known words: the index intersects its discriminating words only.
      v_index := CASE WHEN v_plain AND cardinality(v_known) = cardinality(p_words) AND cardinality(v_rare) BETWEEN 1 AND cardinality(v_known) - 1
                      THEN to_tsquery(p_config, (SELECT string_agg(quote_literal(w), ' & ') FROM unnest(v_rare) AS w))
                      ELSE v_exact END;
      v_ids := knowledge_rank_indexed(v_tenant, v_index, v_exact, v_all, '{}', p_candidates, p_limit);
    END IF;
  END IF;

  -- Then, when too few passages have every word (a question in a sentence rarely does), the
  -- passages with any of its rarest discriminating words, ranked after those: the rarest
  -- first, adding the next (up to four) until their chunks together could fill the candidate
  -- list. When every known word is common, its two rarest through the key-order path.
  IF cardinality(v_ids) < p_limit AND cardinality(v_known) > 0 THEN
    IF cardinality(v_rare) > 0 THEN
      v_any_terms := '{}';
      FOR v_i IN 1 .. least(4, cardinality(v_rare)) LOOP
        v_any_terms := v_any_terms || v_rare[v_i];
        v_sum := v_sum + v_known_chunks[v_i];
        EXIT WHEN v_sum >= p_candidates;
      END LOOP;
      v_any := to_tsquery(p_config, (SELECT string_agg(quote_literal(w), ' | ') FROM unnest(v_any_terms) AS w));
      IF numnode(v_any) > 0 THEN
        v_ids := v_ids || knowledge_rank_indexed(v_tenant, v_any, v_any, v_all, v_ids, p_candidates, p_limit - cardinality(v_ids));
      END IF;
    ELSE
      v_any := to_tsquery(p_config, (SELECT string_agg(quote_literal(w), ' | ') FROM unnest(v_known[1:2]) AS w));
      IF numnode(v_any) > 0 THEN
        v_ids := v_ids || knowledge_rank_scanned(v_tenant, v_any, v_all, v_ids, p_candidates, p_limit - cardinality(v_ids));
      END IF;
    END IF;
  END IF;
  RETURN QUERY SELECT u.id, 'exact'::text, u.o::integer FROM unnest(v_ids) WITH ORDINALITY AS u(id, o);

  -- fuzzy: the query corrected against the vocabulary, only when some word is not in it.
  IF cardinality(v_known) = cardinality(p_words) THEN
    RETURN;
  END IF;
  FOREACH v_word IN ARRAY p_words LOOP
    IF v_word = ANY (v_known) THEN
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
  IF v_corrected AND v_fuzzy IS NOT NULL THEN
    RETURN QUERY SELECT u.id, 'fuzzy'::text, u.o::integer
                   FROM unnest(knowledge_rank_indexed(v_tenant, v_fuzzy, v_fuzzy, v_all, '{}', p_candidates, p_limit)) WITH ORDINALITY AS u(id, o);
  END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION knowledge_rank(regconfig, text, text[], integer, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION knowledge_rank(regconfig, text, text[], integer, integer, boolean) TO bh_tenant;
