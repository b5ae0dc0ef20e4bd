-- 重大危险源 identification and grading (GB 18218-2018 §4.2, §4.3), maintained in PostGIS.
--
--   identification  S = Σ qᵢ/Qᵢ ≥ 1 (one substance: q ≥ Q, the same rule with one term)
--   grading         R = α · Σ βᵢ qᵢ/Qᵢ  →  一级 R ≥ 100 · 二级 50 ≤ R < 100 · 三级 10 ≤ R < 50 · 四级 R < 10
--   α               by the 常住人口 within 500 m of the plant boundary (表5): ≥100 → 2.0 · 50–99 → 1.5 ·
--                   30–49 → 1.2 · 1–29 → 1.0 · 0 → 0.5
--
-- Q and β are data in `chemical` (0001); the α bands and grade thresholds are data here
-- (gb18218_alpha, gb18218_grade). hazard_source_state holds S, Σβq/Q, the population, α, R and the
-- grade of every hazard source, kept current by statement-level triggers (transition tables, one
-- refresh per statement however many rows it touched) on every table that feeds the formula:
--
--   hazard_source_inventory  q                          insert/update/delete
--   hazard_source            its site, its enterprise   insert/update (delete cascades)
--   enterprise               boundary                   update
--   protection_target        population, position       insert/update/delete: every hazard source
--                                                       within 500 m of the old and the new position
--   chemical                 Q, β                        update
--   gb18218_alpha/_grade     the bands                   any change: everything
--   (TRUNCATE of the inventory or the targets: everything)
--
-- The site of a hazard source ("the plant boundary") is the enterprise boundary, else the hazard
-- source's own boundary, else its location (ra_hazard_source_site). A protection target counts,
-- with its whole population, when its point or its footprint lies within 500 m of the site, measured
-- on the spheroid (ST_DWithin on geography). Targets inside the plant are counted too (distance 0):
-- the standard counts the people around the plant, and a school or housing drawn inside a plant
-- boundary is either a data error or people who would be exposed anyway; counting them errs on the
-- safe side (从严).
-- S, Σβq/Q and R are numeric, rounded to 10 decimal places before they are compared with the
-- thresholds, so 1/3 + 1/3 + 1/3 identifies as 1 (layers/hazard_source.py mirrors the formulas in
-- exact rational arithmetic).
-- The state is derived: it writes no audit row of its own; the change that caused it is audited
-- (the inventory, chemicals and the bands get audit triggers here).

-- ---------------------------------------------------------------------------------------------
-- The bands (GB 18218-2018 表5 and 表6) as data
-- ---------------------------------------------------------------------------------------------
CREATE TABLE gb18218_alpha (
    min_people int PRIMARY KEY CHECK (min_people >= 0),   -- the band starts at this many people
    alpha      numeric NOT NULL CHECK (alpha > 0),         -- 暴露人员校正系数 α
    label_zh   text NOT NULL
);
INSERT INTO gb18218_alpha (min_people, alpha, label_zh) VALUES
 (100, 2.0, '100人以上'),
 (50, 1.5, '50人~99人'),
 (30, 1.2, '30人~49人'),
 (1, 1.0, '1人~29人'),
 (0, 0.5, '0人');

CREATE TABLE gb18218_grade (
    grade   smallint PRIMARY KEY CHECK (grade BETWEEN 1 AND 4),
    min_r   numeric NOT NULL UNIQUE CHECK (min_r >= 0),    -- R ≥ min_r (and below the next grade up)
    name_zh text NOT NULL,
    name_en text NOT NULL
);
INSERT INTO gb18218_grade (grade, min_r, name_zh, name_en) VALUES
 (1, 100, '一级重大危险源', 'Grade 1 major hazard source'),
 (2, 50, '二级重大危险源', 'Grade 2 major hazard source'),
 (3, 10, '三级重大危险源', 'Grade 3 major hazard source'),
 (4, 0, '四级重大危险源', 'Grade 4 major hazard source');

-- The radius of the α count (厂区边界向外扩展500米), in metres.
CREATE FUNCTION ra_gb18218_radius_m() RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$ SELECT 500.0::double precision $$;

CREATE FUNCTION ra_gb18218_alpha(people bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT alpha FROM gb18218_alpha WHERE min_people <= greatest(people, 0) ORDER BY min_people DESC LIMIT 1
$$;

CREATE FUNCTION ra_gb18218_grade(r numeric) RETURNS smallint
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT grade FROM gb18218_grade WHERE min_r <= r ORDER BY min_r DESC LIMIT 1),
                    (SELECT max(grade) FROM gb18218_grade))
$$;

-- A bounding box around g at least m metres wide on every side (a GiST pre-filter for ST_DWithin on
-- geography): metres per degree are at least 110 574 north-south and 111 320·cos φ east-west on the
-- WGS84 spheroid, with 1% to spare.
CREATE FUNCTION ra_expand_m(g geometry, m double precision) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT ST_Expand(g,
                     1.01 * m / (111320.0 * cos(radians(least(greatest(abs(ST_YMin(g)), abs(ST_YMax(g)))
                                                              + 1.01 * m / 110574.0, 89.0)))),
                     1.01 * m / 110574.0)
$$;

-- ---------------------------------------------------------------------------------------------
-- The site of each hazard source and the maintained state
-- ---------------------------------------------------------------------------------------------
-- (A function, not a view: a view's geometry column would be listed in geometry_columns with no
-- SRID and no index.)
CREATE FUNCTION ra_hazard_source_site(ids int[])
RETURNS TABLE (hazard_source_id int, enterprise_id int, site geometry, site_basis text)
LANGUAGE sql STABLE AS $$
    SELECT hs.id, hs.enterprise_id,
           coalesce(e.boundary, hs.boundary, hs.location),
           CASE WHEN e.boundary IS NOT NULL THEN 'enterprise_boundary'
                WHEN hs.boundary IS NOT NULL THEN 'source_boundary'
                ELSE 'source_location' END
    FROM hazard_source hs JOIN enterprise e ON e.id = hs.enterprise_id
    WHERE hs.id = ANY (ids)
$$;

CREATE TABLE hazard_source_state (
    hazard_source_id int PRIMARY KEY REFERENCES hazard_source (id) ON DELETE CASCADE,
    s_value          numeric NOT NULL,        -- S = Σ q/Q
    beta_sum         numeric NOT NULL,        -- Σ β q/Q
    population_500m  int NOT NULL,            -- 厂区边界外500 m内常住人口
    alpha            numeric NOT NULL,        -- α
    r_value          numeric NOT NULL,        -- R = α Σ β q/Q
    is_major         boolean NOT NULL,        -- S ≥ 1
    grade            smallint CHECK (grade BETWEEN 1 AND 4),   -- 一级..四级, NULL when not major
    computed_at      timestamptz NOT NULL DEFAULT now(),       -- when these values last changed
    CHECK (is_major = (grade IS NOT NULL))
);
CREATE INDEX hazard_source_state_grade_idx ON hazard_source_state (grade) WHERE grade IS NOT NULL;

-- Recompute the given hazard sources (unknown or deleted ids are skipped). Returns the rows changed.
CREATE FUNCTION ra_refresh_hazard_sources(ids int[]) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    n int;
    radius constant double precision := ra_gb18218_radius_m();
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    WITH src AS (
        SELECT s.hazard_source_id AS id, s.site FROM ra_hazard_source_site(ids) s
    ), inv AS (
        SELECT i.hazard_source_id AS id, sum(i.quantity_t / c.critical_t) AS s, sum(c.beta * i.quantity_t / c.critical_t) AS b
        FROM hazard_source_inventory i JOIN chemical c ON c.id = i.chemical_id
        WHERE i.hazard_source_id = ANY (ids)
        GROUP BY i.hazard_source_id
    ), pop AS (
        SELECT src.id, coalesce(sum(t.population), 0)::int AS p
        FROM src LEFT JOIN LATERAL (
            SELECT t.population FROM protection_target t
            WHERE (t.geom && ra_expand_m(src.site, radius) OR t.footprint && ra_expand_m(src.site, radius))
              AND (ST_DWithin(t.geom::geography, src.site::geography, radius)
                   OR (t.footprint IS NOT NULL AND ST_DWithin(t.footprint::geography, src.site::geography, radius)))
        ) t ON true
        GROUP BY src.id
    ), calc AS (
        SELECT src.id, round(coalesce(inv.s, 0), 10) AS s, round(coalesce(inv.b, 0), 10) AS b, pop.p,
               ra_gb18218_alpha(pop.p) AS a, round(ra_gb18218_alpha(pop.p) * coalesce(inv.b, 0), 10) AS r
        FROM src JOIN pop ON pop.id = src.id LEFT JOIN inv ON inv.id = src.id
    ), upsert AS (
        INSERT INTO hazard_source_state AS st
            (hazard_source_id, s_value, beta_sum, population_500m, alpha, r_value, is_major, grade, computed_at)
        SELECT id, s, b, p, a, r, s >= 1, CASE WHEN s >= 1 THEN ra_gb18218_grade(r) END, now() FROM calc
        ON CONFLICT (hazard_source_id) DO UPDATE
            SET s_value = EXCLUDED.s_value, beta_sum = EXCLUDED.beta_sum, population_500m = EXCLUDED.population_500m,
                alpha = EXCLUDED.alpha, r_value = EXCLUDED.r_value, is_major = EXCLUDED.is_major,
                grade = EXCLUDED.grade, computed_at = EXCLUDED.computed_at
            WHERE (st.s_value, st.beta_sum, st.population_500m, st.alpha, st.r_value, st.is_major)
                  IS DISTINCT FROM (EXCLUDED.s_value, EXCLUDED.beta_sum, EXCLUDED.population_500m, EXCLUDED.alpha,
                                    EXCLUDED.r_value, EXCLUDED.is_major)
               OR st.grade IS DISTINCT FROM EXCLUDED.grade
        RETURNING 1
    )
    SELECT count(*) INTO n FROM upsert;
    RETURN n;
END $$;

CREATE FUNCTION ra_refresh_all_hazard_sources() RETURNS int
LANGUAGE sql AS $$
    SELECT ra_refresh_hazard_sources(ARRAY(SELECT id FROM hazard_source))
$$;

-- The hazard sources whose site lies within the α radius of any of the given geometries (GiST
-- pre-filter on each of the three kinds of site, then the exact geography test).
CREATE FUNCTION ra_hazard_sources_near(geoms geometry[]) RETURNS int[]
LANGUAGE sql STABLE AS $$
    WITH g AS (SELECT DISTINCT x AS g FROM unnest(geoms) x WHERE x IS NOT NULL),
    r AS (SELECT ra_gb18218_radius_m() AS m)
    SELECT coalesce(array_agg(DISTINCT id), '{}') FROM (
        SELECT hs.id FROM g, r, enterprise e JOIN hazard_source hs ON hs.enterprise_id = e.id
        WHERE e.boundary && ra_expand_m(g.g, r.m) AND ST_DWithin(e.boundary::geography, g.g::geography, r.m)
        UNION ALL
        SELECT hs.id FROM g, r, hazard_source hs JOIN enterprise e ON e.id = hs.enterprise_id
        WHERE e.boundary IS NULL AND hs.boundary && ra_expand_m(g.g, r.m)
          AND ST_DWithin(hs.boundary::geography, g.g::geography, r.m)
        UNION ALL
        SELECT hs.id FROM g, r, hazard_source hs JOIN enterprise e ON e.id = hs.enterprise_id
        WHERE e.boundary IS NULL AND hs.boundary IS NULL AND hs.location && ra_expand_m(g.g, r.m)
          AND ST_DWithin(hs.location::geography, g.g::geography, r.m)
    ) s
$$;

-- ---------------------------------------------------------------------------------------------
-- Triggers (statement level; transition tables allow one event per trigger)
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION ra_hs_after_inventory() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT hazard_source_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT hazard_source_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT x) INTO ids
        FROM (SELECT hazard_source_id x FROM new_rows UNION SELECT hazard_source_id FROM old_rows) s;
    END IF;
    PERFORM ra_refresh_hazard_sources(ids);
    RETURN NULL;
END $$;
CREATE TRIGGER hazard_source_inventory_grade_ins AFTER INSERT ON hazard_source_inventory
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_inventory();
CREATE TRIGGER hazard_source_inventory_grade_upd AFTER UPDATE ON hazard_source_inventory
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_inventory();
CREATE TRIGGER hazard_source_inventory_grade_del AFTER DELETE ON hazard_source_inventory
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_inventory();

-- A new hazard source gets its state at once (S = 0 until its inventory arrives); a moved one, or
-- one given another enterprise or boundary, is recomputed.
CREATE FUNCTION ra_hs_after_source() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO ids FROM new_rows;
    ELSE
        SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.enterprise_id IS DISTINCT FROM o.enterprise_id
           OR NOT ST_Equals(n.location, o.location)
           OR n.boundary IS DISTINCT FROM o.boundary;
    END IF;
    PERFORM ra_refresh_hazard_sources(ids);
    RETURN NULL;
END $$;
CREATE TRIGGER hazard_source_grade_ins AFTER INSERT ON hazard_source
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_source();
CREATE TRIGGER hazard_source_grade_upd AFTER UPDATE ON hazard_source
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_source();

-- An enterprise boundary drawn, redrawn or removed: its hazard sources.
CREATE FUNCTION ra_hs_after_enterprise() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ra_refresh_hazard_sources(ARRAY(
        SELECT hs.id FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN hazard_source hs ON hs.enterprise_id = n.id
        WHERE n.boundary IS DISTINCT FROM o.boundary));
    RETURN NULL;
END $$;
CREATE TRIGGER enterprise_hazard_source_grade_upd AFTER UPDATE ON enterprise
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_enterprise();

-- A protection target added, removed, moved or re-counted: every hazard source within the radius of
-- its old and its new point and footprint (only positions that carry people matter).
CREATE FUNCTION ra_hs_after_target() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    geoms geometry[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(g) INTO geoms FROM (
            SELECT geom g FROM new_rows WHERE population > 0
            UNION ALL SELECT footprint FROM new_rows WHERE population > 0 AND footprint IS NOT NULL) s;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(g) INTO geoms FROM (
            SELECT geom g FROM old_rows WHERE population > 0
            UNION ALL SELECT footprint FROM old_rows WHERE population > 0 AND footprint IS NOT NULL) s;
    ELSE
        WITH changed AS (
            SELECT o.geom AS og, o.footprint AS ofp, o.population AS op,
                   n.geom AS ng, n.footprint AS nfp, n.population AS np
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.population IS DISTINCT FROM o.population
               OR NOT ST_Equals(n.geom, o.geom)
               OR n.footprint IS DISTINCT FROM o.footprint
        )
        SELECT array_agg(g) INTO geoms FROM (
            SELECT og g FROM changed WHERE op > 0
            UNION ALL SELECT ofp FROM changed WHERE op > 0 AND ofp IS NOT NULL
            UNION ALL SELECT ng FROM changed WHERE np > 0
            UNION ALL SELECT nfp FROM changed WHERE np > 0 AND nfp IS NOT NULL) s;
    END IF;
    IF geoms IS NOT NULL THEN
        PERFORM ra_refresh_hazard_sources(ra_hazard_sources_near(geoms));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER protection_target_hazard_source_grade_ins AFTER INSERT ON protection_target
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_target();
CREATE TRIGGER protection_target_hazard_source_grade_upd AFTER UPDATE ON protection_target
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_target();
CREATE TRIGGER protection_target_hazard_source_grade_del AFTER DELETE ON protection_target
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_target();

-- A critical quantity Q or a β corrected: every hazard source holding that chemical.
CREATE FUNCTION ra_hs_after_chemical() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ra_refresh_hazard_sources(ARRAY(
        SELECT DISTINCT i.hazard_source_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN hazard_source_inventory i ON i.chemical_id = n.id
        WHERE n.critical_t IS DISTINCT FROM o.critical_t OR n.beta IS DISTINCT FROM o.beta));
    RETURN NULL;
END $$;
CREATE TRIGGER chemical_hazard_source_grade_upd AFTER UPDATE ON chemical
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_chemical();

-- The bands changed: check they still cover every count and every R, then recompute everything.
CREATE FUNCTION ra_hs_after_bands() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM gb18218_alpha WHERE min_people = 0) THEN
        RAISE EXCEPTION 'gb18218_alpha 须含 0 人的档 (the α bands must include a band starting at 0 people)'
            USING ERRCODE = '23514';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM gb18218_grade WHERE min_r = 0) THEN
        RAISE EXCEPTION 'gb18218_grade 须含 R ≥ 0 的最低一级 (the grade thresholds must include one starting at R = 0)'
            USING ERRCODE = '23514';
    END IF;
    IF EXISTS (SELECT 1 FROM gb18218_grade a JOIN gb18218_grade b ON a.grade < b.grade AND a.min_r <= b.min_r) THEN
        RAISE EXCEPTION 'gb18218_grade: 级别越高 (数字越小), R 下限须越大 (a higher grade needs a higher minimum R)'
            USING ERRCODE = '23514';
    END IF;
    PERFORM ra_refresh_all_hazard_sources();
    RETURN NULL;
END $$;
CREATE TRIGGER gb18218_alpha_changed AFTER INSERT OR UPDATE OR DELETE ON gb18218_alpha
    FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_bands();
CREATE TRIGGER gb18218_grade_changed AFTER INSERT OR UPDATE OR DELETE ON gb18218_grade
    FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_bands();

-- TRUNCATE has no transition table: recompute everything.
CREATE FUNCTION ra_hs_after_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ra_refresh_all_hazard_sources();
    RETURN NULL;
END $$;
CREATE TRIGGER hazard_source_inventory_grade_truncate AFTER TRUNCATE ON hazard_source_inventory
    FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_truncate();
CREATE TRIGGER protection_target_hazard_source_grade_truncate AFTER TRUNCATE ON protection_target
    FOR EACH STATEMENT EXECUTE FUNCTION ra_hs_after_truncate();

-- ---------------------------------------------------------------------------------------------
-- Audit (痕迹化) of what feeds the grade. The inventory has a composite key, so its audit rows name
-- the row as '<hazard_source_id>/<chemical_id>'.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION ra_audit_keyed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    who text := coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text);
    rec jsonb;
    key text;
BEGIN
    IF current_setting('riskatlas.bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    rec := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
    SELECT string_agg(rec ->> a, '/' ORDER BY o) INTO key FROM unnest(TG_ARGV) WITH ORDINALITY AS k(a, o);
    INSERT INTO audit_log (actor, table_name, row_id, action, before, after)
    VALUES (who, TG_TABLE_NAME, key, TG_OP,
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    RETURN NULL;
END $$;
CREATE TRIGGER hazard_source_inventory_audit AFTER INSERT OR UPDATE OR DELETE ON hazard_source_inventory
    FOR EACH ROW EXECUTE FUNCTION ra_audit_keyed('hazard_source_id', 'chemical_id');
CREATE TRIGGER chemical_audit AFTER INSERT OR UPDATE OR DELETE ON chemical
    FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER gb18218_alpha_audit AFTER INSERT OR UPDATE OR DELETE ON gb18218_alpha
    FOR EACH ROW EXECUTE FUNCTION ra_audit_keyed('min_people');
CREATE TRIGGER gb18218_grade_audit AFTER INSERT OR UPDATE OR DELETE ON gb18218_grade
    FOR EACH ROW EXECUTE FUNCTION ra_audit_keyed('grade');

SELECT ra_refresh_all_hazard_sources();
