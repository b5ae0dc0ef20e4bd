-- Maintained levels (从严从高) and the dynamic rules.
--
-- Each area keeps its own levels (from its own risks) and its rolled-up levels (own + everything
-- below it): inherent, residual and current (= residual raised by the dynamic rules from open
-- hidden hazards). Statement-level triggers with transition tables refresh exactly the touched
-- areas and their ancestors after every change, so maps and tiles read plain columns.
-- The levels live in narrow tables of their own (area_state, enterprise_state), not in area and
-- enterprise: refreshing them then rewrites no geometry, fires no validity check and writes no
-- audit row (they are derived, and the audit records the risk or hazard change that caused them).
-- Time-dependent rules (a 一般隐患 becoming overdue) are refreshed by ra_refresh_overdue(), which
-- the app runs at start-up and hourly and `riskatlas levels refresh` runs on demand.

CREATE TABLE level_rule (
    code        text PRIMARY KEY,
    enabled     boolean NOT NULL DEFAULT true,
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,
    description text NOT NULL
);
INSERT INTO level_rule (code, enabled, params, description) VALUES
 ('open_major_hazard', true, '{"level": "major"}',
  '存在未闭环的重大隐患的区域, 在隐患闭环前按重大风险(红)管控 (an open 重大隐患 makes its area red)'),
 ('overdue_general_hazard', true, '{"raise": 1}',
  '一般隐患超期未整改的区域, 风险等级提高一级 (an overdue 一般隐患 raises its area one level)');

CREATE TABLE area_state (
    area_id        int PRIMARY KEY REFERENCES area (id) ON DELETE CASCADE,
    own_inherent   risk_level,
    own_residual   risk_level,
    own_dynamic    risk_level,                   -- the level an open 重大隐患 here asks for
    overdue_steps  smallint NOT NULL DEFAULT 0,  -- levels to raise for an overdue 一般隐患 here
    inherent_level risk_level,
    residual_level risk_level,
    current_level  risk_level,
    risk_count     int NOT NULL DEFAULT 0,
    levels_at      timestamptz
);
CREATE INDEX area_state_current_level_idx ON area_state (current_level);

CREATE TABLE enterprise_state (
    enterprise_id  int PRIMARY KEY REFERENCES enterprise (id) ON DELETE CASCADE,
    inherent_level risk_level,
    residual_level risk_level,
    current_level  risk_level
);
CREATE INDEX enterprise_state_current_level_idx ON enterprise_state (current_level);

INSERT INTO area_state (area_id) SELECT id FROM area;
INSERT INTO enterprise_state (enterprise_id) SELECT id FROM enterprise;

-- Every new area and enterprise gets its state row at once (row trigger: cheap, no transition table).
CREATE FUNCTION ra_state_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'area' THEN
        INSERT INTO area_state (area_id) VALUES (NEW.id);
    ELSE
        INSERT INTO enterprise_state (enterprise_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER area_state_row AFTER INSERT ON area FOR EACH ROW EXECUTE FUNCTION ra_state_row();
CREATE TRIGGER enterprise_state_row AFTER INSERT ON enterprise FOR EACH ROW EXECUTE FUNCTION ra_state_row();

-- One level up, capped at major; NULL stays NULL.
CREATE FUNCTION ra_raise(lv risk_level, steps int) RETURNS risk_level
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN lv IS NULL THEN NULL
                ELSE (enum_range(NULL::risk_level))[least(array_position(enum_range(NULL::risk_level), lv) + steps, 4)]
           END
$$;

-- What the dynamic rules ask of each given area because of its own open hidden hazards.
CREATE FUNCTION ra_dynamic_level(area_ids int[]) RETURNS TABLE (area_id int, level risk_level, steps smallint)
LANGUAGE sql STABLE AS $$
    WITH rules AS (
        SELECT
            coalesce((SELECT enabled FROM level_rule WHERE code = 'open_major_hazard'), false) AS major_on,
            (SELECT coalesce(params ->> 'level', 'major')::risk_level FROM level_rule WHERE code = 'open_major_hazard') AS major_level,
            coalesce((SELECT enabled FROM level_rule WHERE code = 'overdue_general_hazard'), false) AS overdue_on,
            (SELECT coalesce((params ->> 'raise')::int, 1) FROM level_rule WHERE code = 'overdue_general_hazard') AS raise_by
    )
    SELECT x.id,
           CASE WHEN r.major_on AND EXISTS (
                    SELECT 1 FROM hidden_hazard h WHERE h.area_id = x.id AND h.grade = 'major'
                      AND h.status <> 'closed') THEN r.major_level END,
           (CASE WHEN r.overdue_on AND EXISTS (
                    SELECT 1 FROM hidden_hazard h WHERE h.area_id = x.id AND h.grade = 'general'
                      AND h.status <> 'closed' AND h.deadline < current_date)
                 THEN r.raise_by ELSE 0 END)::smallint
    FROM (SELECT DISTINCT unnest(area_ids) AS id) x CROSS JOIN rules r
    WHERE x.id IS NOT NULL
$$;

-- The rolled-up levels of one area from its own values and its children's rolled values:
--   inherent = max(own inherent, children inherent)
--   residual = max(own residual, children residual)
--   current  = max(residual raised by overdue_steps, own dynamic level, children current)
CREATE FUNCTION ra_rolled(area_ids int[])
RETURNS TABLE (area_id int, parent_id int, enterprise_id int, inh risk_level, res risk_level, cur risk_level)
LANGUAGE sql STABLE AS $$
    SELECT a.id, a.parent_id, a.enterprise_id,
           greatest(s.own_inherent, max(cs.inherent_level)),
           greatest(s.own_residual, max(cs.residual_level)),
           greatest(CASE WHEN s.overdue_steps > 0
                         THEN ra_raise(coalesce(greatest(s.own_residual, max(cs.residual_level)), 'low'), s.overdue_steps)
                         ELSE greatest(s.own_residual, max(cs.residual_level)) END,
                    s.own_dynamic, max(cs.current_level))
    FROM area a
    JOIN area_state s ON s.area_id = a.id
    LEFT JOIN area c ON c.parent_id = a.id
    LEFT JOIN area_state cs ON cs.area_id = c.id
    WHERE a.id = ANY (area_ids)
    GROUP BY a.id, s.area_id
$$;

-- Own levels and dynamic flags of the given areas from their risks and open hidden hazards.
CREATE FUNCTION ra_refresh_own(area_ids int[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE area_state st SET own_inherent = s.inh, own_residual = s.res, risk_count = s.cnt
    FROM (SELECT x.id, max(r.inherent_level) inh, max(r.residual_level) res, count(r.id)::int cnt
          FROM (SELECT DISTINCT unnest(area_ids) AS id) x LEFT JOIN risk r ON r.area_id = x.id GROUP BY x.id) s
    WHERE st.area_id = s.id
      AND (st.own_inherent IS DISTINCT FROM s.inh OR st.own_residual IS DISTINCT FROM s.res OR st.risk_count <> s.cnt);
    UPDATE area_state st SET own_dynamic = d.level, overdue_steps = d.steps
    FROM ra_dynamic_level(area_ids) d
    WHERE st.area_id = d.area_id AND (st.own_dynamic IS DISTINCT FROM d.level OR st.overdue_steps <> d.steps);
$$;

-- Refresh the given areas and, round by round, their ancestors; then their enterprises.
CREATE FUNCTION ra_refresh_area_levels(area_ids int[]) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    todo int[] := area_ids;
    enterprises int[] := '{}';
    n int := 0;
    k int;
    rounds int := 0;
BEGIN
    PERFORM ra_refresh_own(area_ids);
    WHILE todo IS NOT NULL AND cardinality(todo) > 0 LOOP
        rounds := rounds + 1;
        IF rounds > 10 THEN
            RAISE EXCEPTION 'area hierarchy deeper than 10 levels or cyclic near %', todo[1:5];
        END IF;
        WITH upd AS (
            UPDATE area_state st SET inherent_level = r.inh, residual_level = r.res, current_level = r.cur,
                                     levels_at = now()
            FROM ra_rolled(todo) r
            WHERE st.area_id = r.area_id
              AND (st.inherent_level IS DISTINCT FROM r.inh OR st.residual_level IS DISTINCT FROM r.res
                   OR st.current_level IS DISTINCT FROM r.cur OR st.levels_at IS NULL)
            RETURNING r.parent_id, r.enterprise_id
        )
        SELECT array_agg(DISTINCT parent_id) FILTER (WHERE parent_id IS NOT NULL),
               enterprises || coalesce(array_agg(DISTINCT enterprise_id), '{}'), count(*)
        INTO todo, enterprises, k FROM upd;
        n := n + k;
    END LOOP;
    PERFORM ra_refresh_enterprise_levels(enterprises);
    RETURN n;
END $$;

CREATE FUNCTION ra_refresh_enterprise_levels(ids int[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE enterprise_state es SET inherent_level = s.inh, residual_level = s.res, current_level = s.cur
    FROM (SELECT x.id, max(st.inherent_level) inh, max(st.residual_level) res, max(st.current_level) cur
          FROM (SELECT DISTINCT unnest(ids) AS id) x
          LEFT JOIN area a ON a.enterprise_id = x.id AND a.kind = 'plant'
          LEFT JOIN area_state st ON st.area_id = a.id
          GROUP BY x.id) s
    WHERE es.enterprise_id = s.id
      AND (es.inherent_level IS DISTINCT FROM s.inh OR es.residual_level IS DISTINCT FROM s.res
           OR es.current_level IS DISTINCT FROM s.cur)
$$;

-- Everything, set-based, depth by depth from the leaves (after a rule change, a bulk load, or
-- for the benchmark).
CREATE FUNCTION ra_refresh_all_levels() RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    lvl int;
    n int := 0;
    k int;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS _ra_depth (id int PRIMARY KEY, depth int) ON COMMIT DROP;
    TRUNCATE _ra_depth;
    INSERT INTO _ra_depth
    WITH RECURSIVE d (id, depth) AS (
        SELECT id, 0 FROM area WHERE parent_id IS NULL
        UNION ALL SELECT a.id, d.depth + 1 FROM area a JOIN d ON a.parent_id = d.id
    ) SELECT id, depth FROM d;
    ANALYZE _ra_depth;

    UPDATE area_state st SET own_inherent = s.inh, own_residual = s.res, risk_count = s.cnt
    FROM (SELECT r.area_id, max(r.inherent_level) inh, max(r.residual_level) res, count(*)::int cnt
          FROM risk r GROUP BY r.area_id) s
    WHERE st.area_id = s.area_id
      AND (st.own_inherent IS DISTINCT FROM s.inh OR st.own_residual IS DISTINCT FROM s.res OR st.risk_count <> s.cnt);
    UPDATE area_state st SET own_inherent = NULL, own_residual = NULL, risk_count = 0
    WHERE st.risk_count <> 0 AND NOT EXISTS (SELECT 1 FROM risk r WHERE r.area_id = st.area_id);

    UPDATE area_state st SET own_dynamic = NULL, overdue_steps = 0
    WHERE st.own_dynamic IS NOT NULL OR st.overdue_steps <> 0;
    UPDATE area_state st SET own_dynamic = d.level, overdue_steps = d.steps
    FROM ra_dynamic_level(ARRAY(SELECT DISTINCT area_id FROM hidden_hazard
                                WHERE area_id IS NOT NULL AND status <> 'closed')) d
    WHERE st.area_id = d.area_id AND (st.own_dynamic IS DISTINCT FROM d.level OR st.overdue_steps <> d.steps);

    FOR lvl IN SELECT DISTINCT d.depth FROM _ra_depth d ORDER BY 1 DESC LOOP
        UPDATE area_state st SET inherent_level = r.inh, residual_level = r.res, current_level = r.cur,
                                 levels_at = now()
        FROM ra_rolled(ARRAY(SELECT id FROM _ra_depth WHERE depth = lvl)) r
        WHERE st.area_id = r.area_id
          AND (st.inherent_level IS DISTINCT FROM r.inh OR st.residual_level IS DISTINCT FROM r.res
               OR st.current_level IS DISTINCT FROM r.cur OR st.levels_at IS NULL);
        GET DIAGNOSTICS k = ROW_COUNT;
        n := n + k;
    END LOOP;

    PERFORM ra_refresh_enterprise_levels(ARRAY(SELECT id FROM enterprise));
    RETURN n;
END $$;

-- Time moves: areas whose overdue state differs from what is stored (a deadline passed) are
-- refreshed.
CREATE FUNCTION ra_refresh_overdue() RETURNS int
LANGUAGE sql AS $$
    SELECT coalesce(ra_refresh_area_levels(ARRAY(
        SELECT d.area_id FROM area_state st
        JOIN ra_dynamic_level(ARRAY(SELECT DISTINCT area_id FROM hidden_hazard
                                    WHERE area_id IS NOT NULL AND status <> 'closed')) d
          ON d.area_id = st.area_id
        WHERE st.overdue_steps <> d.steps OR st.own_dynamic IS DISTINCT FROM d.level
    )), 0)
$$;

-- Statement-level triggers: one refresh per statement, however many rows it touched.
CREATE FUNCTION ra_levels_after_risk() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT area_id) INTO ids FROM new_rows WHERE area_id IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.area_id) INTO ids FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM area a WHERE a.id = o.area_id);
    ELSE
        SELECT array_agg(DISTINCT x) INTO ids
        FROM (SELECT area_id x FROM new_rows UNION SELECT area_id FROM old_rows) s WHERE x IS NOT NULL;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM ra_refresh_area_levels(ids);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER risk_levels_ins AFTER INSERT ON risk REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_risk();
CREATE TRIGGER risk_levels_upd AFTER UPDATE ON risk REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_risk();
CREATE TRIGGER risk_levels_del AFTER DELETE ON risk REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_risk();

-- hidden_hazard: same function shape, on its area_id
CREATE TRIGGER hidden_hazard_levels_ins AFTER INSERT ON hidden_hazard REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_risk();
CREATE TRIGGER hidden_hazard_levels_upd AFTER UPDATE ON hidden_hazard REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_risk();
CREATE TRIGGER hidden_hazard_levels_del AFTER DELETE ON hidden_hazard REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_risk();

-- area: a moved area (its old and new parents), a deleted area (its parent). A new area has no
-- risks yet and changes nothing.
CREATE FUNCTION ra_levels_after_area() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.parent_id) INTO ids FROM old_rows o
        WHERE o.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM area a WHERE a.id = o.parent_id);
        PERFORM ra_refresh_enterprise_levels(ARRAY(SELECT DISTINCT enterprise_id FROM old_rows));
    ELSE
        SELECT array_agg(DISTINCT x) INTO ids FROM (
            SELECT n.id x FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.parent_id IS DISTINCT FROM o.parent_id OR n.kind IS DISTINCT FROM o.kind
            UNION SELECT o.parent_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.parent_id IS DISTINCT FROM o.parent_id AND o.parent_id IS NOT NULL) s;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM ra_refresh_area_levels(ids);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER area_levels_upd AFTER UPDATE ON area REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_area();
CREATE TRIGGER area_levels_del AFTER DELETE ON area REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_area();

CREATE FUNCTION ra_levels_after_rule() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ra_refresh_all_levels();
    RETURN NULL;
END $$;
CREATE TRIGGER level_rule_changed AFTER INSERT OR UPDATE OR DELETE ON level_rule
    FOR EACH STATEMENT EXECUTE FUNCTION ra_levels_after_rule();

-- The views of 0001 now read the maintained columns (same columns, plus current_level).
DROP VIEW enterprise_level;
DROP VIEW area_level;
CREATE VIEW area_level AS
SELECT area_id, inherent_level, residual_level, risk_count, current_level FROM area_state;
CREATE VIEW enterprise_level AS
SELECT enterprise_id, inherent_level, residual_level, current_level FROM enterprise_state;

SELECT ra_refresh_all_levels();
