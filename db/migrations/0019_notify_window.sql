-- The neighbours to notify of a scenario (0007's ra_scenario_neighbours) were a window through
-- row-level security without a bound: whoever could place a scenario of any size on their own
-- hazard source read the name, phones, safety manager and address of every enterprise under it,
-- and nobody could tell afterwards who had looked. The window keeps its purpose (an enterprise must
-- be able to warn neighbours it may not otherwise see) and is now bounded:
--
--   * an enterprise inside the caller's jurisdiction (ra_scope_covers: an admin's every one, a
--     regulator's region and below it) comes as before, with every field: the caller sees it anyway;
--   * an enterprise outside it comes with only what a warning needs — name, innermost level,
--     distance, emergency phone (no id, contact phone, safety manager, address or headcount) — and
--     only within ra_notify_max_m() of the source, at most ra_notify_max_rows() of them, innermost
--     first then nearest: those farther away are warned by the regulator of their district;
--   * every read that returns the list of a scenario the caller may see writes one audit_log row
--     (action READ on the scenario: who, when, how many neighbours, how many of them outside the
--     jurisdiction), under the source's enterprise so that its audit view and its regulators see it.

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'BULK', 'READ'));

-- How far from the hazard source an enterprise outside the caller's jurisdiction is listed, in m.
CREATE FUNCTION ra_notify_max_m() RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$ SELECT 5000::double precision $$;

-- How many enterprises outside the caller's jurisdiction one read lists at most.
CREATE FUNCTION ra_notify_max_rows() RETURNS int
LANGUAGE sql IMMUTABLE AS $$ SELECT 200 $$;

-- Is enterprise ``eid`` of region ``rid`` within the caller's jurisdiction? The test of the row
-- policies (0012), for the rows the function below reads without them.
CREATE FUNCTION ra_scope_covers(eid int, rid int) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT CASE ra_scope_role()
        WHEN '' THEN true
        WHEN 'enterprise' THEN eid = ra_scope_enterprise()
        WHEN 'regulator' THEN EXISTS (SELECT 1 FROM region_closure rc
                                      WHERE rc.region_id = rid AND rc.ancestor_id = ra_scope_region())
        ELSE false
    END
$$;

DROP FUNCTION ra_scenario_neighbours(int);
CREATE FUNCTION ra_scenario_neighbours(sid int)
RETURNS TABLE (id int, name text, level text, distance_m double precision, employees int, contact_phone text,
               emergency_phone text, safety_manager text, address text, in_jurisdiction boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    src_g   geometry;
    src_ent int;
    n       int := 0;
    outside int[] := '{}';
    r       record;
BEGIN
    SELECT hs.location, hs.enterprise_id INTO src_g, src_ent
    FROM scenario s JOIN hazard_source hs ON hs.id = s.hazard_source_id JOIN enterprise e ON e.id = hs.enterprise_id
    WHERE s.id = sid AND ra_scope_covers(e.id, e.region_id);
    IF NOT FOUND THEN
        RETURN;                       -- a scenario the caller may not see: nothing, and nothing read
    END IF;
    FOR r IN
        WITH z AS (
            SELECT ra_threat_rank(t.level) AS rank, t.geom FROM threat_zone t WHERE t.scenario_id = sid
        ), hit AS (
            SELECT e.id AS eid, min(z.rank) AS rank,
                   ST_Distance(src_g::geography, coalesce(e.boundary, e.location)::geography) AS d,
                   ra_scope_covers(e.id, e.region_id) AS mine
            FROM z JOIN enterprise e
              ON (e.boundary && z.geom OR e.location && z.geom) AND ST_Intersects(coalesce(e.boundary, e.location), z.geom)
            WHERE e.id <> src_ent
            GROUP BY e.id
        ), shown AS (
            SELECT * FROM hit WHERE mine
            UNION ALL
            (SELECT * FROM hit WHERE NOT mine AND d <= ra_notify_max_m() ORDER BY rank, d, eid LIMIT ra_notify_max_rows())
        )
        SELECT s.eid, s.rank, s.d, s.mine, e.name AS e_name, e.employees AS e_employees,
               e.contact_phone AS e_contact, e.emergency_phone AS e_emergency, e.safety_manager AS e_manager,
               e.address AS e_address
        FROM shown s JOIN enterprise e ON e.id = s.eid
        ORDER BY s.rank, s.d, s.eid
    LOOP
        id := CASE WHEN r.mine THEN r.eid END;
        name := r.e_name;
        level := (ARRAY['red', 'orange', 'yellow'])[r.rank];
        distance_m := r.d;
        employees := CASE WHEN r.mine THEN r.e_employees END;
        contact_phone := CASE WHEN r.mine THEN r.e_contact END;
        emergency_phone := r.e_emergency;
        safety_manager := CASE WHEN r.mine THEN r.e_manager END;
        address := CASE WHEN r.mine THEN r.e_address END;
        in_jurisdiction := r.mine;
        n := n + 1;
        IF NOT r.mine THEN
            outside := outside || r.eid;
        END IF;
        RETURN NEXT;
    END LOOP;
    INSERT INTO audit_log (actor, table_name, row_id, action, after, note, enterprise_id)
    VALUES (coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text),
            'scenario', sid::text, 'READ',
            -- counts only: the row is filed under the source's enterprise, whose users read it, so it
            -- must not name the enterprises outside their jurisdiction
            jsonb_build_object('read', 'notify', 'neighbours', n, 'outside_jurisdiction', cardinality(outside),
                               'scope_role', ra_scope_role()),
            format('查阅需通知的相邻企业 %s 家, 其中辖区外 %s 家 (notify list read: %s neighbours, %s outside the jurisdiction)',
                   n, cardinality(outside), n, cardinality(outside)),
            src_ent);
END $$;
