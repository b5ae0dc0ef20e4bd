-- Accounts, sessions and jurisdictions enforced by PostgreSQL row-level security.
--
-- The web app connects as the cluster's owner but, for every request, switches to the role
-- riskatlas_web (no superuser, no BYPASSRLS) and states whose request it is in three settings:
--   riskatlas.scope_role        ''  (admin: everything) | 'regulator' | 'enterprise'
--   riskatlas.scope_region      the regulator's region (their jurisdiction is its subtree)
--   riskatlas.scope_enterprise  the enterprise user's enterprise
-- The policies below then hide every row outside the jurisdiction from every query: lists, maps,
-- tiles, statistics, exports, and the views (which run with the caller's rights). A foreign id
-- is simply not found. Regulators read their jurisdiction and write only inspections and hidden
-- hazards; enterprise users read and write their own enterprise.
-- The CLI and migrations keep running as the owner, unscoped.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'riskatlas_web') THEN
        CREATE ROLE riskatlas_web NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END $$;
GRANT riskatlas_web TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO riskatlas_web;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO riskatlas_web;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO riskatlas_web;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO riskatlas_web;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO riskatlas_web;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO riskatlas_web;

-- -- accounts ------------------------------------------------------------------------------------
ALTER TABLE app_user
    ADD COLUMN failed_logins int NOT NULL DEFAULT 0,
    ADD COLUMN locked_until  timestamptz,
    ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE app_session (
    token_hash  text PRIMARY KEY,                 -- sha256 of the token: a stolen table opens nothing
    user_id     int NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL DEFAULT now(),
    user_agent  text
);
CREATE INDEX app_session_user_idx ON app_session (user_id);
CREATE INDEX app_session_expires_idx ON app_session (expires_at);
-- Sessions and password hashes are read only by the owner (login), never by a request's role.
REVOKE ALL ON app_session FROM riskatlas_web;
REVOKE ALL ON app_user FROM riskatlas_web;
GRANT SELECT (id, username, display_name, role, region_id, enterprise_id, active, created_at) ON app_user TO riskatlas_web;

-- -- scope -----------------------------------------------------------------------------------------
CREATE FUNCTION ra_scope_role() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('riskatlas.scope_role', true), '') $$;

CREATE FUNCTION ra_scope_enterprise() RETURNS int
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('riskatlas.scope_enterprise', true), '')::int $$;

CREATE FUNCTION ra_scope_region() RETURNS int
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('riskatlas.scope_region', true), '')::int $$;

-- The regions below the regulator's region (itself included). SECURITY DEFINER: the policies on
-- region use it, so it must read region without them.
CREATE FUNCTION ra_scope_subtree() RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    WITH RECURSIVE d (id) AS (
        SELECT id FROM region WHERE id = ra_scope_region()
        UNION ALL SELECT r.id FROM region r JOIN d ON r.parent_id = d.id
    ) SELECT id FROM d
$$;

-- Regions a user may see: a regulator their subtree and the regions above it (names, outlines);
-- an enterprise user their enterprise's region and the regions above it.
CREATE FUNCTION ra_scope_regions() RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    WITH RECURSIVE up (id, parent_id) AS (
        SELECT id, parent_id FROM region
        WHERE id = CASE ra_scope_role()
                       WHEN 'regulator' THEN ra_scope_region()
                       ELSE (SELECT region_id FROM enterprise WHERE id = ra_scope_enterprise()) END
        UNION ALL SELECT r.id, r.parent_id FROM region r JOIN up ON r.id = up.parent_id
    )
    SELECT id FROM up
    UNION SELECT ra_scope_subtree() WHERE ra_scope_role() = 'regulator'
$$;

CREATE FUNCTION ra_scope_enterprises() RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT ra_scope_enterprise() WHERE ra_scope_role() = 'enterprise'
    UNION ALL
    SELECT e.id FROM enterprise e WHERE ra_scope_role() = 'regulator' AND e.region_id IN (SELECT ra_scope_subtree())
$$;

CREATE FUNCTION ra_scope_areas() RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT a.id FROM area a WHERE a.enterprise_id IN (SELECT ra_scope_enterprises())
$$;

-- -- audit: who, when, what, before, after — and for which enterprise ------------------------------
ALTER TABLE audit_log ADD COLUMN enterprise_id int;
CREATE INDEX audit_log_enterprise_idx ON audit_log (enterprise_id, at DESC);

CREATE OR REPLACE FUNCTION ra_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    who text := coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text);
    rec jsonb;
    ent int;
BEGIN
    IF current_setting('riskatlas.bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    rec := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
    ent := CASE
        WHEN TG_TABLE_NAME = 'enterprise' THEN (rec ->> 'id')::int
        WHEN rec ? 'enterprise_id' THEN (rec ->> 'enterprise_id')::int
        WHEN rec ? 'area_id' THEN (SELECT enterprise_id FROM area WHERE id = (rec ->> 'area_id')::int)
        WHEN rec ? 'hidden_hazard_id' THEN (SELECT enterprise_id FROM hidden_hazard WHERE id = (rec ->> 'hidden_hazard_id')::int)
        WHEN rec ? 'hazard_source_id' THEN (SELECT enterprise_id FROM hazard_source WHERE id = (rec ->> 'hazard_source_id')::int)
        WHEN rec ? 'post_id' THEN (SELECT enterprise_id FROM management_post WHERE id = (rec ->> 'post_id')::int)
        WHEN rec ? 'management_risk_id' THEN (SELECT p.enterprise_id FROM management_risk m
                                              JOIN management_post p ON p.id = m.post_id
                                              WHERE m.id = (rec ->> 'management_risk_id')::int)
    END;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (actor, table_name, row_id, action, after, enterprise_id)
        VALUES (who, TG_TABLE_NAME, (rec ->> 'id'), TG_OP, rec - 'data', ent);
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (actor, table_name, row_id, action, before, after, enterprise_id)
        VALUES (who, TG_TABLE_NAME, (rec ->> 'id'), TG_OP, to_jsonb(OLD) - 'data', rec - 'data', ent);
    ELSE
        INSERT INTO audit_log (actor, table_name, row_id, action, before, enterprise_id)
        VALUES (who, TG_TABLE_NAME, (rec ->> 'id'), TG_OP, rec - 'data', ent);
    END IF;
    RETURN NULL;
END $$;

-- Tables that had no audit trigger yet.
CREATE TRIGGER protection_target_audit AFTER INSERT OR UPDATE OR DELETE ON protection_target
    FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER emergency_resource_audit AFTER INSERT OR UPDATE OR DELETE ON emergency_resource
    FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER road_audit AFTER INSERT OR UPDATE OR DELETE ON road
    FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER control_measure_audit AFTER INSERT OR UPDATE OR DELETE ON control_measure
    FOR EACH ROW EXECUTE FUNCTION ra_audit();

-- -- row-level security ------------------------------------------------------------------------------
-- Visibility: one permissive policy per table (admin: everything).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('enterprise',                 'id IN (SELECT ra_scope_enterprises())'),
        ('enterprise_state',           'enterprise_id IN (SELECT ra_scope_enterprises())'),
        ('area',                       'enterprise_id IN (SELECT ra_scope_enterprises())'),
        ('area_state',                 'area_id IN (SELECT ra_scope_areas())'),
        ('risk',                       'area_id IN (SELECT ra_scope_areas())'),
        ('control_measure',            'risk_id IN (SELECT r.id FROM risk r)'),
        ('hidden_hazard',              'enterprise_id IN (SELECT ra_scope_enterprises())'),
        ('hidden_hazard_photo',        'hidden_hazard_id IN (SELECT h.id FROM hidden_hazard h)'),
        ('hidden_hazard_event',        'hidden_hazard_id IN (SELECT h.id FROM hidden_hazard h)'),
        ('hazard_source',              'enterprise_id IN (SELECT ra_scope_enterprises())'),
        ('hazard_source_inventory',    'hazard_source_id IN (SELECT s.id FROM hazard_source s)'),
        ('hazard_source_state',        'hazard_source_id IN (SELECT s.id FROM hazard_source s)'),
        ('management_post',            'enterprise_id IN (SELECT ra_scope_enterprises())'),
        ('management_risk',            'post_id IN (SELECT p.id FROM management_post p)'),
        ('management_control_measure', 'management_risk_id IN (SELECT m.id FROM management_risk m)'),
        ('inspection',                 'enterprise_id IN (SELECT ra_scope_enterprises())'),
        ('audit_log',                  'enterprise_id IN (SELECT ra_scope_enterprises())'),
        ('region',                     'id IN (SELECT ra_scope_regions())')
    ) v (tbl, cond)
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.tbl);
        EXECUTE format('CREATE POLICY jurisdiction ON %I USING (ra_scope_role() = %L OR %s)', t.tbl, '', t.cond);
    END LOOP;
END $$;

-- Writes: regulators change only inspections and hidden hazards (and what the triggers derive);
-- enterprise users never change regions. Restrictive policies, so they narrow the one above.
DO $$
DECLARE
    t text;
    op text;
BEGIN
    FOREACH t IN ARRAY ARRAY['enterprise', 'area', 'risk', 'control_measure', 'hazard_source',
                             'hazard_source_inventory', 'management_post', 'management_risk',
                             'management_control_measure', 'region']
    LOOP
        FOREACH op IN ARRAY ARRAY['INSERT', 'UPDATE', 'DELETE'] LOOP
            EXECUTE format('CREATE POLICY regulator_reads_only_%s ON %I AS RESTRICTIVE FOR %s %s (ra_scope_role() <> %L)',
                           lower(op), t, op, CASE op WHEN 'INSERT' THEN 'WITH CHECK' ELSE 'USING' END, 'regulator');
        END LOOP;
    END LOOP;
    FOREACH op IN ARRAY ARRAY['INSERT', 'UPDATE', 'DELETE'] LOOP
        EXECUTE format('CREATE POLICY enterprise_no_region_%s ON region AS RESTRICTIVE FOR %s %s (ra_scope_role() <> %L)',
                       lower(op), op, CASE op WHEN 'INSERT' THEN 'WITH CHECK' ELSE 'USING' END, 'enterprise');
    END LOOP;
END $$;

-- Shared public infrastructure (shelters, fire stations, schools, roads): every role reads it —
-- emergency planning crosses district lines — and only an admin changes it.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['emergency_resource', 'protection_target', 'road'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY shared_read ON %I FOR SELECT USING (true)', t);
        EXECUTE format('CREATE POLICY admin_writes ON %I USING (ra_scope_role() = %L) WITH CHECK (ra_scope_role() = %L)',
                       t, '', '');
    END LOOP;
END $$;

-- Everything else (reference data and configuration: profiles, level rules, region index weights,
-- the GB 18218 tables, vocabularies, industries) is read by all and changed by admins only, so a
-- request cannot change what grades other enterprises' risks. ra_secure_shared_tables() does it
-- for every table without row-level security and without enterprise/region columns (those need a
-- real policy: ra_unscoped_tables() below names them); db/migrate.py runs it after every
-- migration run, so tables added later are covered too.
CREATE FUNCTION ra_secure_shared_tables() RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    t record;
    n int := 0;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
             WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
               AND c.relname NOT IN ('app_user', 'app_session', 'schema_version')
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
               AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped
                               AND a.attname IN ('enterprise_id', 'area_id', 'region_id', 'risk_id',
                                                 'hidden_hazard_id', 'hazard_source_id', 'post_id',
                                                 'management_risk_id', 'scenario_id'))
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.relname);
        EXECUTE format('CREATE POLICY shared_read ON %I FOR SELECT USING (true)', t.relname);
        EXECUTE format('CREATE POLICY admin_writes ON %I USING (ra_scope_role() = %L) WITH CHECK (ra_scope_role() = %L)',
                       t.relname, '', '');
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
SELECT ra_secure_shared_tables();
REVOKE ALL ON schema_version FROM riskatlas_web;
GRANT SELECT ON schema_version TO riskatlas_web;

-- Accounts: an admin sees all; anyone else only their own row.
ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
CREATE POLICY jurisdiction ON app_user
    USING (ra_scope_role() = '' OR id = nullif(current_setting('riskatlas.scope_user', true), '')::int);

-- Views run with the caller's rights, so the policies apply through them too. db/migrate.py calls
-- ra_secure_views() after every migration run, so views created by later migrations (or by
-- migrations applied out of order on a development database) are covered as well; tables without
-- a policy are listed by ra_unscoped_tables() and tests/db/test_jurisdiction.py requires it empty.
CREATE FUNCTION ra_secure_views() RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    n int := 0;
BEGIN
    FOR v IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'v'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
               AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)
    LOOP
        EXECUTE format('ALTER VIEW %I SET (security_invoker = true)', v.relname);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
SELECT ra_secure_views();

-- Tables a request's role can read that carry data of an enterprise or a region but have no
-- row-level security: each must be added to the policies above (or be shared reference data).
CREATE FUNCTION ra_unscoped_tables() RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped
                  AND a.attname IN ('enterprise_id', 'area_id', 'region_id', 'risk_id', 'hidden_hazard_id',
                                    'hazard_source_id', 'post_id', 'management_risk_id', 'scenario_id'))
      AND has_table_privilege('riskatlas_web', c.oid, 'SELECT')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
$$;
