-- Accident types as risk lists write them, and every type of a risk kept.
--
-- Risk lists in use rarely write the GB 6441-1986 names exactly: 「火灾爆炸」 is the usual wording
-- for a risk that may end in a fire or an explosion, 「高空坠落」 for 高处坠落, 「触电/电击」, 「烫伤」 …
-- accident_type_alias maps such a word to the GB 6441 types it means (one or several, in order);
-- the readers of a list cell and of the REST API take their aliases from here, and every refusal
-- lists the names and these aliases (docs/domain.md §3).
--
-- A risk may lead to several accident types (火灾 and 其它爆炸). risk.accident_types keeps all of
-- them in order; risk.accident_type stays the first (the primary), so every reader of
-- accident_type keeps working. The trigger keeps the two in step whichever one a writer sets.

CREATE TABLE accident_type_alias (
    alias    text NOT NULL CHECK (alias = btrim(alias) AND alias <> ''),
    position smallint NOT NULL CHECK (position >= 1),
    code     smallint NOT NULL REFERENCES accident_type (code),
    PRIMARY KEY (alias, position),
    UNIQUE (alias, code)
);
COMMENT ON TABLE accident_type_alias IS
    '事故类型的常用写法 → GB 6441 类别 (one alias may mean several types, in order)';

INSERT INTO accident_type_alias (alias, position, code)
SELECT a.alias, t.position, t.code
FROM (VALUES
    -- 其它 is the standard's spelling; 其他 is the common one
    ('其他爆炸', ARRAY[18]), ('其他伤害', ARRAY[20]),
    -- fire and explosion written as one hazard
    ('火灾爆炸', ARRAY[8, 18]), ('火灾和爆炸', ARRAY[8, 18]), ('火灾及爆炸', ARRAY[8, 18]),
    ('火灾与爆炸', ARRAY[8, 18]), ('燃爆', ARRAY[8, 18]),
    ('着火', ARRAY[8]), ('起火', ARRAY[8]), ('失火', ARRAY[8]),
    ('爆炸', ARRAY[18]), ('化学爆炸', ARRAY[18]), ('粉尘爆炸', ARRAY[18]), ('气体爆炸', ARRAY[18]),
    ('可燃气体爆炸', ARRAY[18]), ('爆燃', ARRAY[18]),
    ('压力容器爆炸', ARRAY[17]), ('物理爆炸', ARRAY[17]),
    ('炸药爆炸', ARRAY[14]), ('煤尘爆炸', ARRAY[15]),
    -- poisoning and asphyxiation
    ('中毒', ARRAY[19]), ('窒息', ARRAY[19]), ('中毒窒息', ARRAY[19]), ('中毒与窒息', ARRAY[19]),
    ('中毒或窒息', ARRAY[19]), ('中毒及窒息', ARRAY[19]), ('急性中毒', ARRAY[19]),
    -- the others, as lists write them
    ('电击', ARRAY[5]), ('电伤', ARRAY[5]), ('电气伤害', ARRAY[5]), ('触电伤害', ARRAY[5]),
    ('高空坠落', ARRAY[9]), ('高处跌落', ARRAY[9]), ('坠落', ARRAY[9]), ('坠落伤害', ARRAY[9]),
    ('机械伤', ARRAY[3]), ('机械伤人', ARRAY[3]),
    ('烫伤', ARRAY[7]), ('灼伤', ARRAY[7]), ('烧伤', ARRAY[7]), ('化学灼伤', ARRAY[7]), ('灼烫伤', ARRAY[7]),
    ('厂内车辆伤害', ARRAY[2]), ('厂内机动车辆伤害', ARRAY[2]), ('车辆伤人', ARRAY[2]), ('交通', ARRAY[2]),
    ('交通事故', ARRAY[2]),
    ('倒塌', ARRAY[10]), ('垮塌', ARRAY[10]), ('坍塌伤害', ARRAY[10]),
    ('起重机械伤害', ARRAY[4]), ('吊装伤害', ARRAY[4]),
    ('打击', ARRAY[1]), ('落物打击', ARRAY[1]), ('物体打击伤害', ARRAY[1]),
    ('溺水', ARRAY[6]), ('冒顶', ARRAY[11]), ('片帮', ARRAY[11]), ('突水', ARRAY[12]), ('爆破', ARRAY[13])
) AS a (alias, codes)
CROSS JOIN LATERAL unnest(a.codes) WITH ORDINALITY AS t (code, position);

-- Every type of a risk, the primary first.
ALTER TABLE risk ADD COLUMN accident_types smallint[];

CREATE FUNCTION ra_risk_accident_types() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unknown smallint;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.accident_types IS NOT DISTINCT FROM OLD.accident_types
       AND NEW.accident_type IS DISTINCT FROM OLD.accident_type THEN
        -- a writer that knows only the primary changed it: it leads, the other types stay
        NEW.accident_types := ARRAY[NEW.accident_type]
            || array_remove(array_remove(OLD.accident_types, OLD.accident_type), NEW.accident_type);
    ELSIF NEW.accident_types IS NULL OR cardinality(NEW.accident_types) = 0 THEN
        NEW.accident_types := ARRAY[NEW.accident_type];
    END IF;
    SELECT c INTO unknown FROM unnest(NEW.accident_types) AS u (c)
    WHERE c IS NULL OR NOT EXISTS (SELECT 1 FROM accident_type t WHERE t.code = u.c) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '风险 % 的事故类型 accident_type % 不是 GB 6441 的类别 (unknown accident_type)', NEW.name, unknown
            USING ERRCODE = '23503';
    END IF;
    -- in order, without repeats
    NEW.accident_types := ARRAY(SELECT c FROM unnest(NEW.accident_types) WITH ORDINALITY AS u (c, o)
                                GROUP BY c ORDER BY min(o));
    NEW.accident_type := NEW.accident_types[1];
    RETURN NEW;
END $$;

-- Existing risks have one type each: fill the column without touching their audit trail, levels
-- or updated_at (this is a change of schema, not an edit of theirs).
ALTER TABLE risk DISABLE TRIGGER USER;
UPDATE risk SET accident_types = ARRAY[accident_type];
ALTER TABLE risk ENABLE TRIGGER USER;

ALTER TABLE risk ALTER COLUMN accident_types SET NOT NULL;
ALTER TABLE risk ADD CONSTRAINT risk_accident_types_primary CHECK (accident_types[1] = accident_type);
-- named so it runs before risk_touch (triggers fire in name order)
CREATE TRIGGER risk_accident_types BEFORE INSERT OR UPDATE ON risk
    FOR EACH ROW EXECUTE FUNCTION ra_risk_accident_types();
