-- Jurisdiction policies that stay quick at province size.
--
-- 0010 (and 0007) wrote each policy as "row's key IN (every visible key)": the set of every
-- enterprise, area, risk or hazard source the user may see was built for every query. For a
-- province regulator on 100,000 enterprises / 1,000,000 areas / 1,800,000 risks that made reading
-- one enterprise's risks take 40 s. Now each policy tests the row itself:
--   * enterprise: its region has the regulator's region among its ancestors (one probe of the
--     region_closure table), or it is the enterprise user's own;
--   * rows that belong to an enterprise: the same test on that enterprise, through its primary key;
--   * rows below another row (risks of an area, photos of a hazard, …): EXISTS on the parent row
--     through its primary key, whose own policy then applies.
-- Visibility is exactly 0010's (tests/db/test_jurisdiction.py, tests/app/test_permissions.py).

-- Every region with each of its ancestors (itself included): one index probe answers "is this
-- region inside that one". Regions change rarely; a statement trigger rebuilds it (a few ms).
CREATE TABLE region_closure (
    region_id   int NOT NULL REFERENCES region (id) ON DELETE CASCADE,
    ancestor_id int NOT NULL,
    PRIMARY KEY (region_id, ancestor_id)
);
CREATE FUNCTION ra_refresh_region_closure() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    DELETE FROM region_closure;
    INSERT INTO region_closure (region_id, ancestor_id)
    WITH RECURSIVE up (region_id, ancestor_id) AS (
        SELECT id, id FROM region
        UNION ALL
        SELECT up.region_id, r.parent_id FROM up JOIN region r ON r.id = up.ancestor_id WHERE r.parent_id IS NOT NULL
    ) SELECT region_id, ancestor_id FROM up;
    RETURN NULL;
END $$;
CREATE TRIGGER region_closure_refresh AFTER INSERT OR UPDATE OF parent_id OR DELETE ON region
    FOR EACH STATEMENT EXECUTE FUNCTION ra_refresh_region_closure();
INSERT INTO region_closure (region_id, ancestor_id)
WITH RECURSIVE up (region_id, ancestor_id) AS (
    SELECT id, id FROM region
    UNION ALL
    SELECT up.region_id, r.parent_id FROM up JOIN region r ON r.id = up.ancestor_id WHERE r.parent_id IS NOT NULL
) SELECT region_id, ancestor_id FROM up;
-- shared reference data: read by all, written only by the trigger above
ALTER TABLE region_closure ENABLE ROW LEVEL SECURITY;
CREATE POLICY shared_read ON region_closure FOR SELECT USING (true);
GRANT SELECT ON region_closure TO riskatlas_web;

-- Is enterprise ``eid`` within the caller's jurisdiction? (admin: always.) Reads without the
-- policies (SECURITY DEFINER): two index probes, whatever the size of the jurisdiction.
CREATE FUNCTION ra_sees_enterprise(eid int) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT CASE coalesce(current_setting('riskatlas.scope_role', true), '')
        WHEN '' THEN true
        WHEN 'enterprise' THEN eid = nullif(current_setting('riskatlas.scope_enterprise', true), '')::int
        WHEN 'regulator' THEN EXISTS (
            SELECT 1 FROM enterprise e JOIN region_closure c ON c.region_id = e.region_id
            WHERE e.id = eid AND c.ancestor_id = nullif(current_setting('riskatlas.scope_region', true), '')::int)
        ELSE false
    END
$$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('enterprise', $p$ra_scope_role() = '' OR (ra_scope_role() = 'enterprise' AND id = ra_scope_enterprise())
                          OR (ra_scope_role() = 'regulator' AND EXISTS (SELECT 1 FROM region_closure c
                              WHERE c.region_id = enterprise.region_id AND c.ancestor_id = ra_scope_region()))$p$),
        ('enterprise_state',           'ra_sees_enterprise(enterprise_id)'),
        ('area',                       'ra_sees_enterprise(enterprise_id)'),
        ('hidden_hazard',              'ra_sees_enterprise(enterprise_id)'),
        ('hazard_source',              'ra_sees_enterprise(enterprise_id)'),
        ('management_post',            'ra_sees_enterprise(enterprise_id)'),
        ('inspection',                 'ra_sees_enterprise(enterprise_id)'),
        ('audit_log',                  'ra_scope_role() = '''' OR ra_sees_enterprise(enterprise_id)'),
        ('area_state',                 'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM area a WHERE a.id = area_state.area_id)'),
        ('risk',                       'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM area a WHERE a.id = risk.area_id)'),
        ('control_measure',            'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM risk r WHERE r.id = control_measure.risk_id)'),
        ('hidden_hazard_photo',        'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM hidden_hazard h WHERE h.id = hidden_hazard_photo.hidden_hazard_id)'),
        ('hidden_hazard_event',        'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM hidden_hazard h WHERE h.id = hidden_hazard_event.hidden_hazard_id)'),
        ('hazard_source_inventory',    'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM hazard_source s WHERE s.id = hazard_source_inventory.hazard_source_id)'),
        ('hazard_source_state',        'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM hazard_source s WHERE s.id = hazard_source_state.hazard_source_id)'),
        ('management_risk',            'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM management_post p WHERE p.id = management_risk.post_id)'),
        ('management_control_measure', 'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM management_risk m WHERE m.id = management_control_measure.management_risk_id)'),
        ('scenario',                   'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM hazard_source s WHERE s.id = scenario.hazard_source_id)'),
        ('threat_zone',                'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM scenario s WHERE s.id = threat_zone.scenario_id)'),
        ('hazard_source_safety_distance', 'ra_scope_role() = '''' OR EXISTS (SELECT 1 FROM hazard_source s WHERE s.id = hazard_source_safety_distance.hazard_source_id)')
    ) v (tbl, cond)
    LOOP
        IF to_regclass(t.tbl) IS NOT NULL THEN
            EXECUTE format('DROP POLICY IF EXISTS jurisdiction ON %I', t.tbl);
            EXECUTE format('CREATE POLICY jurisdiction ON %I USING (%s)', t.tbl, t.cond);
        END IF;
    END LOOP;
END $$;

-- Region statistics walk the closure too (0009 walked the subtree with a recursive query): the
-- planner then reaches a subtree's enterprises through their region index, under any policy.
CREATE OR REPLACE FUNCTION region_stats_of(p_level region_level DEFAULT NULL, p_within int DEFAULT NULL)
RETURNS TABLE (
    region_id int, adcode text, name text, region_level region_level, parent_id int, area_km2 double precision,
    ent_major int, ent_significant int, ent_general int, ent_low int, ent_unassessed int, ent_total int,
    risk_major int, risk_significant int, risk_general int, risk_low int,
    risk_index numeric, region_level_colour risk_level)
LANGUAGE sql STABLE AS $$
    WITH target AS (
        SELECT g.id FROM region g
        WHERE (p_level IS NULL OR g.level = p_level)
          AND (p_within IS NULL OR g.id IN (SELECT c.region_id FROM region_closure c WHERE c.ancestor_id = p_within))
    ), d (ancestor_id, region_id) AS (
        SELECT c.ancestor_id, c.region_id FROM region_closure c WHERE c.ancestor_id IN (SELECT id FROM target)
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

