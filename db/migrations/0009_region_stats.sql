-- Region statistics that stay quick at province size (issue 4: 100,000 enterprises, 1.8 M risks).
--
-- The region_stats view of 0006 counted every risk point of the province on every request and
-- only then kept the regions asked for: 4 s for one district at province size, which saturated the
-- API's connection pool under 50 clients. Now:
--   * each enterprise keeps its risk-point counts by residual level in enterprise_state (derived
--     state beside its levels), maintained by statement-level triggers on risk and area, and
--     rebuilt by ra_refresh_all_risk_tallies() after bulk loads;
--   * region_stats_of(level, within) walks only the regions asked for and their subtrees, and
--     aggregates enterprises (not risks); the region_stats view is that function unfiltered;
--   * region_subtree(root) gives one region's subtree without building the whole closure.

ALTER TABLE enterprise_state
    ADD COLUMN risk_major       int NOT NULL DEFAULT 0,
    ADD COLUMN risk_significant int NOT NULL DEFAULT 0,
    ADD COLUMN risk_general     int NOT NULL DEFAULT 0,
    ADD COLUMN risk_low         int NOT NULL DEFAULT 0;

-- Risk-point counts by residual level of the given enterprises (NULL: all of them).
CREATE FUNCTION ra_refresh_risk_tally(ids int[]) RETURNS int
LANGUAGE sql AS $$
    WITH s AS (
        SELECT e.id,
               count(r.id) FILTER (WHERE r.residual_level = 'major')::int       AS ma,
               count(r.id) FILTER (WHERE r.residual_level = 'significant')::int AS si,
               count(r.id) FILTER (WHERE r.residual_level = 'general')::int     AS ge,
               count(r.id) FILTER (WHERE r.residual_level = 'low')::int         AS lo
        FROM enterprise e
        LEFT JOIN area a ON a.enterprise_id = e.id
        LEFT JOIN risk r ON r.area_id = a.id
        WHERE ids IS NULL OR e.id = ANY (ids)
        GROUP BY e.id
    ), upd AS (
        UPDATE enterprise_state es
        SET risk_major = s.ma, risk_significant = s.si, risk_general = s.ge, risk_low = s.lo
        FROM s
        WHERE es.enterprise_id = s.id
          AND (es.risk_major, es.risk_significant, es.risk_general, es.risk_low)
              IS DISTINCT FROM (s.ma, s.si, s.ge, s.lo)
        RETURNING 1
    )
    SELECT count(*)::int FROM upd
$$;

CREATE FUNCTION ra_refresh_all_risk_tallies() RETURNS int
LANGUAGE sql AS $$ SELECT ra_refresh_risk_tally(NULL) $$;

CREATE FUNCTION ra_tally_after_risk() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT a.enterprise_id) INTO ids
        FROM new_rows n JOIN area a ON a.id = n.area_id;
    ELSIF TG_OP = 'DELETE' THEN
        -- Areas deleted in the same statement are gone; their enterprises are refreshed by the
        -- area trigger below.
        SELECT array_agg(DISTINCT a.enterprise_id) INTO ids
        FROM old_rows o JOIN area a ON a.id = o.area_id;
    ELSE
        SELECT array_agg(DISTINCT a.enterprise_id) INTO ids
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN area a ON a.id IN (n.area_id, o.area_id)
        WHERE n.residual_level IS DISTINCT FROM o.residual_level OR n.area_id IS DISTINCT FROM o.area_id;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM ra_refresh_risk_tally(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER risk_tally_ins AFTER INSERT ON risk REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_tally_after_risk();
CREATE TRIGGER risk_tally_upd AFTER UPDATE ON risk REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_tally_after_risk();
CREATE TRIGGER risk_tally_del AFTER DELETE ON risk REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_tally_after_risk();

-- An area moved to another enterprise, or deleted with its risks.
CREATE FUNCTION ra_tally_after_area() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT enterprise_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT x) INTO ids
        FROM new_rows n JOIN old_rows o ON o.id = n.id, unnest(ARRAY[n.enterprise_id, o.enterprise_id]) x
        WHERE n.enterprise_id <> o.enterprise_id;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM ra_refresh_risk_tally(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER area_tally_upd AFTER UPDATE ON area REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_tally_after_area();
CREATE TRIGGER area_tally_del AFTER DELETE ON area REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_tally_after_area();

SELECT ra_refresh_all_risk_tallies();

-- One region and every region below it.
CREATE FUNCTION region_subtree(root int) RETURNS TABLE (region_id int)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE d (id) AS (
        SELECT id FROM region WHERE id = root
        UNION ALL
        SELECT r.id FROM region r JOIN d ON r.parent_id = d.id
    )
    SELECT id FROM d
$$;

-- Statistics of the regions at p_level (all levels when NULL) inside p_within's subtree (all when
-- NULL): enterprises by current level, risk points by residual level, risk index (weighted
-- enterprise count per km², weights in region_index_config) and the region colour.
CREATE FUNCTION region_stats_of(p_level region_level DEFAULT NULL, p_within int DEFAULT NULL)
RETURNS TABLE (
    region_id int, adcode text, name text, region_level region_level, parent_id int, area_km2 double precision,
    ent_major int, ent_significant int, ent_general int, ent_low int, ent_unassessed int, ent_total int,
    risk_major int, risk_significant int, risk_general int, risk_low int,
    risk_index numeric, region_level_colour risk_level)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE target AS (
        SELECT g.id FROM region g
        WHERE (p_level IS NULL OR g.level = p_level)
          AND (p_within IS NULL OR g.id IN (SELECT s.region_id FROM region_subtree(p_within) s))
    ), d (ancestor_id, region_id) AS (
        SELECT id, id FROM target
        UNION ALL
        SELECT d.ancestor_id, r.id FROM d JOIN region r ON r.parent_id = d.region_id
    ), agg AS (
        SELECT d.ancestor_id AS region_id,
               count(*) FILTER (WHERE es.current_level = 'major')::int       AS ent_major,
               count(*) FILTER (WHERE es.current_level = 'significant')::int AS ent_significant,
               count(*) FILTER (WHERE es.current_level = 'general')::int     AS ent_general,
               count(*) FILTER (WHERE es.current_level = 'low')::int         AS ent_low,
               count(*) FILTER (WHERE es.current_level IS NULL)::int         AS ent_unassessed,
               coalesce(sum(es.risk_major), 0)::int       AS risk_major,
               coalesce(sum(es.risk_significant), 0)::int AS risk_significant,
               coalesce(sum(es.risk_general), 0)::int     AS risk_general,
               coalesce(sum(es.risk_low), 0)::int         AS risk_low,
               max(es.current_level) AS highest_level
        FROM d
        JOIN enterprise e ON e.region_id = d.region_id
        JOIN enterprise_state es ON es.enterprise_id = e.id
        GROUP BY d.ancestor_id
    ), w AS (
        SELECT g.id, g.adcode, g.name, g.level, g.parent_id, g.area_km2,
               coalesce(agg.ent_major, 0) AS ent_major, coalesce(agg.ent_significant, 0) AS ent_significant,
               coalesce(agg.ent_general, 0) AS ent_general, coalesce(agg.ent_low, 0) AS ent_low,
               coalesce(agg.ent_unassessed, 0) AS ent_unassessed,
               coalesce(agg.risk_major, 0) AS risk_major, coalesce(agg.risk_significant, 0) AS risk_significant,
               coalesce(agg.risk_general, 0) AS risk_general, coalesce(agg.risk_low, 0) AS risk_low,
               agg.highest_level,
               coalesce(agg.ent_major, 0) * coalesce((c.weights ->> 'major')::numeric, 0)
             + coalesce(agg.ent_significant, 0) * coalesce((c.weights ->> 'significant')::numeric, 0)
             + coalesce(agg.ent_general, 0) * coalesce((c.weights ->> 'general')::numeric, 0)
             + coalesce(agg.ent_low, 0) * coalesce((c.weights ->> 'low')::numeric, 0) AS weight_sum,
               c.colour_rule, c.index_thresholds
        FROM target t
        JOIN region g ON g.id = t.id
        LEFT JOIN agg ON agg.region_id = t.id
        CROSS JOIN region_index_config c
    )
    SELECT w.id, w.adcode, w.name, w.level, w.parent_id, w.area_km2,
           w.ent_major, w.ent_significant, w.ent_general, w.ent_low, w.ent_unassessed,
           w.ent_major + w.ent_significant + w.ent_general + w.ent_low + w.ent_unassessed,
           w.risk_major, w.risk_significant, w.risk_general, w.risk_low,
           w.weight_sum / nullif(w.area_km2::numeric, 0),
           CASE w.colour_rule
               WHEN 'highest_enterprise' THEN w.highest_level
               ELSE CASE
                   WHEN w.weight_sum / nullif(w.area_km2::numeric, 0) >= (w.index_thresholds ->> 'major')::numeric THEN 'major'
                   WHEN w.weight_sum / nullif(w.area_km2::numeric, 0) >= (w.index_thresholds ->> 'significant')::numeric THEN 'significant'
                   WHEN w.weight_sum / nullif(w.area_km2::numeric, 0) >= (w.index_thresholds ->> 'general')::numeric THEN 'general'
                   WHEN w.weight_sum > 0 THEN 'low'
               END::risk_level
           END
    FROM w
$$;

CREATE OR REPLACE VIEW region_stats AS SELECT * FROM region_stats_of(NULL, NULL);
