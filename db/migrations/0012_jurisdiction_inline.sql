-- Jurisdiction policies without a function call per row.
--
-- 0011 checked each row through ra_sees_enterprise(), a SECURITY DEFINER function: correct, but a
-- function call per row (never inlined) — a province regulator reading 31,869 hidden hazards paid
-- it 31,869 times. Now:
--   * ra_scope_sees_all() — an admin, or a regulator of the only top region — is asked once per
--     query (a scalar subquery, an InitPlan) and then every row passes without a look;
--   * otherwise the check is an expression the planner sees whole: the enterprise user's own id,
--     or an index probe of region_closure for the row's enterprise.

-- Does the caller see every row? (an admin; a regulator whose region is the only root)
CREATE FUNCTION ra_scope_sees_all() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT CASE coalesce(current_setting('riskatlas.scope_role', true), '')
        WHEN '' THEN true
        WHEN 'regulator' THEN NOT EXISTS (
            SELECT 1 FROM region r WHERE r.parent_id IS NULL
              AND r.id IS DISTINCT FROM nullif(current_setting('riskatlas.scope_region', true), '')::int)
        ELSE false
    END
$$;

DO $$
DECLARE
    t record;
    -- an enterprise id column ``c`` within the jurisdiction
    ent text := $e$(ra_scope_role() = 'enterprise' AND %1$s = ra_scope_enterprise())
                   OR (ra_scope_role() = 'regulator' AND EXISTS (
                         SELECT 1 FROM enterprise e JOIN region_closure rc ON rc.region_id = e.region_id
                         WHERE e.id = %1$s AND rc.ancestor_id = ra_scope_region()))$e$;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('enterprise', $p$(ra_scope_role() = 'enterprise' AND id = ra_scope_enterprise())
                          OR (ra_scope_role() = 'regulator' AND EXISTS (SELECT 1 FROM region_closure c
                              WHERE c.region_id = enterprise.region_id AND c.ancestor_id = ra_scope_region()))$p$),
        ('enterprise_state',           format(ent, 'enterprise_state.enterprise_id')),
        ('area',                       format(ent, 'area.enterprise_id')),
        ('hidden_hazard',              format(ent, 'hidden_hazard.enterprise_id')),
        ('hazard_source',              format(ent, 'hazard_source.enterprise_id')),
        ('management_post',            format(ent, 'management_post.enterprise_id')),
        ('inspection',                 format(ent, 'inspection.enterprise_id')),
        ('audit_log',                  format(ent, 'audit_log.enterprise_id')),
        ('area_state',                 'EXISTS (SELECT 1 FROM area a WHERE a.id = area_state.area_id)'),
        ('risk',                       'EXISTS (SELECT 1 FROM area a WHERE a.id = risk.area_id)'),
        ('control_measure',            'EXISTS (SELECT 1 FROM risk r WHERE r.id = control_measure.risk_id)'),
        ('hidden_hazard_photo',        'EXISTS (SELECT 1 FROM hidden_hazard h WHERE h.id = hidden_hazard_photo.hidden_hazard_id)'),
        ('hidden_hazard_event',        'EXISTS (SELECT 1 FROM hidden_hazard h WHERE h.id = hidden_hazard_event.hidden_hazard_id)'),
        ('hazard_source_inventory',    'EXISTS (SELECT 1 FROM hazard_source s WHERE s.id = hazard_source_inventory.hazard_source_id)'),
        ('hazard_source_state',        'EXISTS (SELECT 1 FROM hazard_source s WHERE s.id = hazard_source_state.hazard_source_id)'),
        ('management_risk',            'EXISTS (SELECT 1 FROM management_post p WHERE p.id = management_risk.post_id)'),
        ('management_control_measure', 'EXISTS (SELECT 1 FROM management_risk m WHERE m.id = management_control_measure.management_risk_id)'),
        ('scenario',                   'EXISTS (SELECT 1 FROM hazard_source s WHERE s.id = scenario.hazard_source_id)'),
        ('threat_zone',                'EXISTS (SELECT 1 FROM scenario s WHERE s.id = threat_zone.scenario_id)'),
        ('hazard_source_safety_distance', 'EXISTS (SELECT 1 FROM hazard_source s WHERE s.id = hazard_source_safety_distance.hazard_source_id)')
    ) v (tbl, cond)
    LOOP
        IF to_regclass(t.tbl) IS NOT NULL THEN
            EXECUTE format('DROP POLICY IF EXISTS jurisdiction ON %I', t.tbl);
            EXECUTE format('CREATE POLICY jurisdiction ON %I USING ((SELECT ra_scope_sees_all()) OR %s)', t.tbl, t.cond);
        END IF;
    END LOOP;
END $$;

DROP FUNCTION ra_sees_enterprise(int);
