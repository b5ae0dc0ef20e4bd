-- Emergency planning (issue 7): accident scenarios at hazard sources, their ALOHA-style threat zones
-- (DOMAIN.md §6), the road network as a pgRouting graph, and external safety distances.
--
-- The consequence models are Python (layers/consequences.py), so the zones are computed there and
-- stored here. PostGIS keeps them honest: any change to a scenario's inputs (model, params, weather,
-- hazard source) or to its hazard source's location bumps scenario.inputs_version and deletes the
-- stored zones, so stale zones are never served; layers/emergency.py recomputes them on the next read.

CREATE EXTENSION IF NOT EXISTS pgrouting;

INSERT INTO vocabulary (domain, code, name_zh, name_en, ord) VALUES
 ('consequence_model', 'vce_tnt', '蒸气云爆炸(TNT当量法)', 'Vapour cloud explosion (TNT equivalent)', 1),
 ('consequence_model', 'bleve_fireball', '沸腾液体扩展蒸气爆炸火球(BLEVE)', 'BLEVE fireball', 2),
 ('consequence_model', 'pool_fire', '池火', 'Pool fire', 3),
 ('consequence_model', 'gaussian_plume', '有毒气体连续泄漏(高斯烟羽)', 'Toxic release (Gaussian plume)', 4),
 ('threat_level', 'red', '红区(致死/重伤)', 'Red zone', 1),
 ('threat_level', 'orange', '橙区(重伤/伤害)', 'Orange zone', 2),
 ('threat_level', 'yellow', '黄区(轻伤/影响)', 'Yellow zone', 3)
ON CONFLICT (domain, code) DO NOTHING;

-- ---------------------------------------------------------------------------------------------
-- Scenarios and their threat zones
-- ---------------------------------------------------------------------------------------------
CREATE TABLE scenario (
    id               serial PRIMARY KEY,
    hazard_source_id int NOT NULL REFERENCES hazard_source (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(btrim(name)) > 0),
    model            text NOT NULL CHECK (model ~ '^[a-z][a-z0-9_]*$'),
    params           jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(params) = 'object'),
    weather          jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(weather) = 'object'),
    inputs_version   int NOT NULL DEFAULT 1,
    computed_version int,                  -- inputs_version the stored zones come from; NULL: none
    computed_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       text NOT NULL DEFAULT coalesce(nullif(current_setting('riskatlas.actor', true), ''),
                                                    session_user::text),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scenario_hazard_source_idx ON scenario (hazard_source_id);

CREATE TABLE threat_zone (
    id             serial PRIMARY KEY,
    scenario_id    int NOT NULL REFERENCES scenario (id) ON DELETE CASCADE,
    level          text NOT NULL CHECK (level IN ('red', 'orange', 'yellow')),
    threshold      double precision NOT NULL,
    threshold_unit text NOT NULL,
    threshold_zh   text NOT NULL,
    distance_m     double precision NOT NULL CHECK (distance_m >= 0),
    geom           geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    UNIQUE (scenario_id, level)
);
CREATE INDEX threat_zone_geom_gix ON threat_zone USING gist (geom);

-- Innermost first: an object inside several zones belongs to the innermost (red before orange...).
CREATE FUNCTION ra_threat_rank(level text) RETURNS int
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE level WHEN 'red' THEN 1 WHEN 'orange' THEN 2 WHEN 'yellow' THEN 3 END
$$;

-- A change to what the zones are computed from makes them stale: bump the version, drop the zones.
CREATE FUNCTION ra_scenario_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.model, NEW.params, NEW.weather, NEW.hazard_source_id)
            IS DISTINCT FROM (OLD.model, OLD.params, OLD.weather, OLD.hazard_source_id) THEN
        NEW.inputs_version := OLD.inputs_version + 1;
        NEW.computed_version := NULL;
        NEW.computed_at := NULL;
        DELETE FROM threat_zone WHERE scenario_id = NEW.id;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER scenario_touch BEFORE INSERT OR UPDATE ON scenario
    FOR EACH ROW EXECUTE FUNCTION ra_scenario_touch();
CREATE TRIGGER scenario_audit AFTER INSERT OR UPDATE OR DELETE ON scenario
    FOR EACH ROW EXECUTE FUNCTION ra_audit();

-- Moving a hazard source (or redrawing its boundary) makes its scenarios stale.
CREATE FUNCTION ra_scenario_source_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE scenario s SET inputs_version = s.inputs_version + 1, computed_version = NULL, computed_at = NULL
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE s.hazard_source_id = n.id
      AND (NOT ST_Equals(n.location, o.location)
           OR (n.boundary IS NULL) <> (o.boundary IS NULL)
           OR NOT ST_Equals(coalesce(n.boundary, n.location), coalesce(o.boundary, o.location)));
    DELETE FROM threat_zone z USING scenario s
    WHERE z.scenario_id = s.id AND s.computed_version IS NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER hazard_source_scenario_stale AFTER UPDATE ON hazard_source
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_scenario_source_moved();

-- Each zone minus the zones inside it: the band of the map where that level is the innermost.
CREATE FUNCTION ra_threat_bands(scenario_ids int[])
RETURNS TABLE (scenario_id int, level text, rank int, zone geometry, band geometry)
LANGUAGE sql STABLE AS $$
    SELECT z.scenario_id, z.level, ra_threat_rank(z.level), z.geom,
           coalesce(ST_Difference(z.geom, (SELECT ST_Union(i.geom) FROM threat_zone i
                                            WHERE i.scenario_id = z.scenario_id
                                              AND ra_threat_rank(i.level) < ra_threat_rank(z.level))),
                    z.geom)
    FROM threat_zone z WHERE z.scenario_id = ANY (scenario_ids)
$$;

-- ---------------------------------------------------------------------------------------------
-- The road network as a routing graph (pgRouting): nodes at the road ends, one edge per road row.
-- Rows must meet at shared end points (the demo and the imports node them so); two roads that
-- only cross (a bridge) are not connected. Cost: seconds at the road's own speed_kmh; a one-way
-- road has no reverse cost (-1). Any change to road marks the graph stale; ra_route_network()
-- rebuilds it when stale (cheap: one pass over the roads).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE route_node (
    id   bigserial PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL
);
CREATE INDEX route_node_geom_gix ON route_node USING gist (geom);

CREATE TABLE route_edge (
    id           bigint PRIMARY KEY,          -- road.id
    source       bigint NOT NULL REFERENCES route_node (id),
    target       bigint NOT NULL REFERENCES route_node (id),
    length_m     double precision NOT NULL,
    cost         double precision NOT NULL,   -- seconds, source -> target
    reverse_cost double precision NOT NULL,   -- seconds, target -> source; -1: one-way
    class        road_class NOT NULL,
    geom         geometry(LineString, 4326) NOT NULL
);
CREATE INDEX route_edge_geom_gix ON route_edge USING gist (geom);
CREATE INDEX route_edge_source_idx ON route_edge (source);
CREATE INDEX route_edge_target_idx ON route_edge (target);

CREATE TABLE route_network_state (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    stale        boolean NOT NULL DEFAULT true,
    refreshed_at timestamptz,
    nodes        int,
    edges        int
);
INSERT INTO route_network_state DEFAULT VALUES;

-- End points closer than this snap to one node: 1e-7° ≈ 1 cm.
CREATE FUNCTION ra_route_snap_deg() RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$ SELECT 1e-7::double precision $$;

-- SECURITY DEFINER: the graph is shared derived data (admins write it, 0010), but any reader's
-- request may find it stale and rebuild it.
CREATE FUNCTION ra_refresh_route_network() RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n_edges int;
BEGIN
    PERFORM 1 FROM route_network_state FOR UPDATE;   -- one rebuild at a time
    DELETE FROM route_edge;
    DELETE FROM route_node;
    CREATE TEMP TABLE IF NOT EXISTS pg_temp._ra_ends (road_id int, which smallint, pt geometry) ON COMMIT DROP;
    TRUNCATE pg_temp._ra_ends;
    INSERT INTO pg_temp._ra_ends
    SELECT id, 0, ST_SnapToGrid(ST_StartPoint(geom), ra_route_snap_deg()) FROM road
    UNION ALL
    SELECT id, 1, ST_SnapToGrid(ST_EndPoint(geom), ra_route_snap_deg()) FROM road;
    INSERT INTO route_node (geom) SELECT DISTINCT pt FROM pg_temp._ra_ends;
    INSERT INTO route_edge (id, source, target, length_m, cost, reverse_cost, class, geom)
    SELECT r.id, ns.id, nt.id, r.length_m,
           r.length_m / (r.speed_kmh::double precision / 3.6),
           CASE WHEN r.oneway THEN -1 ELSE r.length_m / (r.speed_kmh::double precision / 3.6) END,
           r.class, r.geom
    FROM road r
    JOIN pg_temp._ra_ends es ON es.road_id = r.id AND es.which = 0 JOIN route_node ns ON ns.geom = es.pt
    JOIN pg_temp._ra_ends ee ON ee.road_id = r.id AND ee.which = 1 JOIN route_node nt ON nt.geom = ee.pt;
    GET DIAGNOSTICS n_edges = ROW_COUNT;
    UPDATE route_network_state SET stale = false, refreshed_at = now(), edges = n_edges,
                                   nodes = (SELECT count(*) FROM route_node);
    RETURN n_edges;
END $$;

-- The graph, rebuilt first if any road changed since the last build. Returns the edge count.
CREATE FUNCTION ra_route_network() RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    st route_network_state;
BEGIN
    SELECT * INTO st FROM route_network_state;
    IF st.stale THEN
        SELECT * INTO st FROM route_network_state FOR UPDATE;   -- another session may have rebuilt
        IF st.stale THEN
            RETURN ra_refresh_route_network();
        END IF;
    END IF;
    RETURN st.edges;
END $$;

CREATE FUNCTION ra_route_network_stale() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE route_network_state SET stale = true WHERE NOT stale;
    RETURN NULL;
END $$;
CREATE TRIGGER road_route_network_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON road
    FOR EACH STATEMENT EXECUTE FUNCTION ra_route_network_stale();

-- The nearest routing node to a point (KNN on the GiST index).
CREATE FUNCTION ra_route_nearest_node(p geometry) RETURNS bigint
LANGUAGE sql STABLE STRICT AS $$
    SELECT id FROM route_node ORDER BY geom <-> p LIMIT 1
$$;

-- ---------------------------------------------------------------------------------------------
-- External safety distances (外部安全防护距离, GB/T 37243-2019): per protection-target kind, with
-- an override per hazard source. The standard derives the distance from a quantitative risk or a
-- consequence assessment of each site; it fixes no single number. The defaults below are EXAMPLE
-- values for a first screening, to be replaced by each site's assessment (basis says so).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE safety_distance_default (
    target_kind target_kind PRIMARY KEY,
    distance_m  double precision NOT NULL CHECK (distance_m >= 0),
    basis       text NOT NULL
);
INSERT INTO safety_distance_default (target_kind, distance_m, basis)
SELECT k, d, '示例值, 应以 GB/T 37243-2019 评估结果替换 (example screening value; replace with the site assessment)'
FROM (VALUES ('school'::target_kind, 300.0), ('kindergarten', 300.0), ('hospital', 300.0),
             ('nursing_home', 300.0), ('residential', 200.0), ('market', 200.0), ('office', 150.0),
             ('other', 100.0)) v (k, d);

CREATE TABLE hazard_source_safety_distance (
    hazard_source_id int NOT NULL REFERENCES hazard_source (id) ON DELETE CASCADE,
    target_kind      target_kind NOT NULL,
    distance_m       double precision NOT NULL CHECK (distance_m >= 0),
    basis            text NOT NULL CHECK (length(btrim(basis)) > 0),
    PRIMARY KEY (hazard_source_id, target_kind)
);
CREATE TRIGGER safety_distance_default_audit AFTER INSERT OR UPDATE OR DELETE ON safety_distance_default
    FOR EACH ROW EXECUTE FUNCTION ra_audit_keyed('target_kind');
CREATE TRIGGER hazard_source_safety_distance_audit AFTER INSERT OR UPDATE OR DELETE ON hazard_source_safety_distance
    FOR EACH ROW EXECUTE FUNCTION ra_audit_keyed('hazard_source_id', 'target_kind');

-- Protection targets closer to a hazard source than its safety distance for their kind. The
-- distance is measured from the source's boundary (or its location) to the target's footprint
-- (or its point), on the spheroid.
CREATE FUNCTION ra_safety_distance_breaches(source_ids int[])
RETURNS TABLE (hazard_source_id int, target_id int, target_kind target_kind, target_name text,
               population int, distance_m double precision, required_m double precision, basis text)
LANGUAGE sql STABLE AS $$
    WITH src AS (
        SELECT hs.id, coalesce(hs.boundary, hs.location) AS g FROM hazard_source hs WHERE hs.id = ANY (source_ids)
    ), req AS (
        SELECT s.id AS hs_id, d.target_kind,
               coalesce(o.distance_m, d.distance_m) AS distance_m, coalesce(o.basis, d.basis) AS basis
        FROM src s CROSS JOIN safety_distance_default d
        LEFT JOIN hazard_source_safety_distance o ON o.hazard_source_id = s.id AND o.target_kind = d.target_kind
    ), reach AS (
        SELECT hs_id, max(distance_m) AS m FROM req GROUP BY hs_id
    )
    SELECT s.id, t.id, t.kind, t.name, t.population,
           ST_Distance(s.g::geography, coalesce(t.footprint, t.geom)::geography), q.distance_m, q.basis
    FROM src s JOIN reach r ON r.hs_id = s.id
    JOIN protection_target t ON (t.geom && ra_expand_m(s.g, r.m) OR t.footprint && ra_expand_m(s.g, r.m))
    JOIN req q ON q.hs_id = s.id AND q.target_kind = t.kind
    WHERE ST_DWithin(s.g::geography, coalesce(t.footprint, t.geom)::geography, q.distance_m)
$$;

-- ---------------------------------------------------------------------------------------------
-- Jurisdiction (row-level security, as 0010 does for the other tables). A scenario belongs to its
-- hazard source: whoever may see the source (its enterprise's user, the regulators of its region,
-- an admin) sees, computes and changes its scenarios — emergency planning is the regulators' work
-- as much as the enterprise's. The conditions go through hazard_source's own policy, so they need
-- nothing from 0010 and hold whether it runs before or after this file. External safety distances
-- per source are enterprise data: regulators read them only. The shared tables (graph, default
-- distances) are covered by 0010's ra_secure_shared_tables(): read by all, written by admins.
-- ---------------------------------------------------------------------------------------------
ALTER TABLE scenario ENABLE ROW LEVEL SECURITY;
CREATE POLICY jurisdiction ON scenario
    USING (coalesce(current_setting('riskatlas.scope_role', true), '') = ''
           OR hazard_source_id IN (SELECT hs.id FROM hazard_source hs));
ALTER TABLE threat_zone ENABLE ROW LEVEL SECURITY;
CREATE POLICY jurisdiction ON threat_zone
    USING (coalesce(current_setting('riskatlas.scope_role', true), '') = ''
           OR scenario_id IN (SELECT s.id FROM scenario s));
ALTER TABLE hazard_source_safety_distance ENABLE ROW LEVEL SECURITY;
CREATE POLICY jurisdiction ON hazard_source_safety_distance
    USING (coalesce(current_setting('riskatlas.scope_role', true), '') = ''
           OR hazard_source_id IN (SELECT hs.id FROM hazard_source hs));
CREATE POLICY regulator_reads_only_insert ON hazard_source_safety_distance AS RESTRICTIVE FOR INSERT
    WITH CHECK (coalesce(current_setting('riskatlas.scope_role', true), '') <> 'regulator');
CREATE POLICY regulator_reads_only_update ON hazard_source_safety_distance AS RESTRICTIVE FOR UPDATE
    USING (coalesce(current_setting('riskatlas.scope_role', true), '') <> 'regulator');
CREATE POLICY regulator_reads_only_delete ON hazard_source_safety_distance AS RESTRICTIVE FOR DELETE
    USING (coalesce(current_setting('riskatlas.scope_role', true), '') <> 'regulator');

-- The neighbours to notify of a scenario (seed 001: 将紧急状态下撤离方案告知可能危及的相邻企业和单位):
-- every enterprise inside its zones but the source's own, with only what a warning needs (name,
-- phones, contact, address, distance, innermost level). An enterprise user must reach neighbours
-- that row-level security hides from them, so this is SECURITY DEFINER — a deliberate, narrow
-- window — and checks itself that the caller's scope (the settings 0010's policies read) covers
-- the scenario's hazard source: a scenario the caller may not see returns nothing.
CREATE FUNCTION ra_scenario_neighbours(sid int)
RETURNS TABLE (id int, name text, level text, distance_m double precision, employees int, contact_phone text,
               emergency_phone text, safety_manager text, address text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH RECURSIVE sub (rid) AS (
        SELECT nullif(current_setting('riskatlas.scope_region', true), '')::int
        UNION ALL SELECT r.id FROM region r JOIN sub ON r.parent_id = sub.rid
    ), src AS (
        SELECT s.id AS scenario_id, hs.location AS g, hs.enterprise_id
        FROM scenario s JOIN hazard_source hs ON hs.id = s.hazard_source_id JOIN enterprise e ON e.id = hs.enterprise_id
        WHERE s.id = sid AND CASE coalesce(current_setting('riskatlas.scope_role', true), '')
            WHEN '' THEN true
            WHEN 'enterprise' THEN hs.enterprise_id = nullif(current_setting('riskatlas.scope_enterprise', true), '')::int
            WHEN 'regulator' THEN e.region_id IN (SELECT rid FROM sub)
            ELSE false END
    ), z AS (
        SELECT ra_threat_rank(t.level) AS rank, t.geom FROM threat_zone t JOIN src ON src.scenario_id = t.scenario_id
    )
    SELECT e.id, e.name, (ARRAY['red', 'orange', 'yellow'])[min(z.rank)],
           ST_Distance((SELECT g FROM src)::geography, coalesce(e.boundary, e.location)::geography),
           e.employees, e.contact_phone, e.emergency_phone, e.safety_manager, e.address
    FROM z JOIN enterprise e
      ON (e.boundary && z.geom OR e.location && z.geom) AND ST_Intersects(coalesce(e.boundary, e.location), z.geom)
    WHERE e.id <> (SELECT enterprise_id FROM src)
    GROUP BY e.id
    ORDER BY min(z.rank), 4, e.id
$$;
