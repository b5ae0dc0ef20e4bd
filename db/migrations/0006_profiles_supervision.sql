-- Assessment profiles (value scales and thresholds as data), region statistics and
-- differentiated supervision (差异化监管).

-- ---------------------------------------------------------------------------------------------
-- Assessment profiles: named, versioned, chosen per enterprise. The grading itself is done by
-- layers/assessment.py from these definitions; every stored result records profile and version.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE assessment_profile (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{1,40}$'),
    version    int NOT NULL DEFAULT 1 CHECK (version >= 1),
    title_zh   text NOT NULL,
    title_en   text NOT NULL,
    definition jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO assessment_profile (name, title_zh, title_en, definition) VALUES
('default', '默认评价方案 (DOMAIN.md §3, 山东省指导书第七条)', 'Default profile', $json$
{
  "LEC": {
    "scales": {
      "L": {"10": "完全可以预料", "6": "相当可能", "3": "可能但不经常", "1": "可能性小,完全意外",
            "0.5": "很不可能,可以设想", "0.2": "极不可能", "0.1": "实际不可能"},
      "E": {"10": "连续暴露", "6": "每天工作时间内暴露", "3": "每周一次或偶然暴露", "2": "每月一次",
            "1": "每年几次", "0.5": "非常罕见"},
      "C": {"100": "大灾难,许多人死亡", "40": "灾难,数人死亡", "15": "非常严重,一人死亡", "7": "严重,重伤",
            "3": "重大,致残", "1": "引人注目,需救护"}
    },
    "thresholds": {"major": 320, "significant": 160, "general": 70}
  },
  "LS": {
    "scales": {
      "L": {"1": "极不可能", "2": "不太可能", "3": "可能", "4": "很可能", "5": "几乎肯定"},
      "S": {"1": "轻微", "2": "较小", "3": "中等", "4": "严重", "5": "灾难性"}
    },
    "thresholds": {"major": 20, "significant": 15, "general": 9}
  },
  "MES": {
    "scales": {
      "M": {"5": "无控制措施", "3": "有减轻后果的应急措施", "1": "有预防措施"},
      "E": {"10": "连续暴露", "6": "每天工作时间内暴露", "3": "每周一次或偶然暴露", "2": "每月一次",
            "1": "每年几次", "0.5": "更少的暴露"},
      "S": {"10": "多人死亡", "8": "一人死亡", "4": "永久失能", "2": "需医院治疗,缺工", "1": "轻微,仅需急救"}
    },
    "thresholds": {"major": 180, "significant": 90, "general": 50},
    "note": "MES 阈值可按本省规定修改 (MES thresholds are editable)"
  },
  "direct": {
    "rules": [
      {"level": "major", "any": [
        {"input": "fatal_or_serious_accident", "is": true, "basis": "发生过死亡、重伤、重大财产损失事故"},
        {"input": "law_violation", "is": true, "basis": "违反法律、法规"},
        {"input": "minor_injury_accidents", "gte": 3, "basis": "3次及以上轻伤事故"},
        {"input": "major_hazard_source", "is": true, "basis": "涉及重大危险源"},
        {"all": [{"input": "toxic_explosive_fire", "is": true}, {"input": "simultaneous_workers", "gte": 3}],
         "basis": "具有中毒、爆炸、火灾等危险因素的场所, 同一作业时间作业人员在3人及以上"}
      ]},
      {"level": "significant", "any": [
        {"input": "minor_injury_accidents", "gte": 1, "basis": "发生过1次及以上不足3次的轻伤事故"},
        {"all": [{"input": "toxic_explosive_fire", "is": true}, {"input": "simultaneous_workers", "gte": 1}],
         "basis": "具有中毒、爆炸、火灾等危险因素的场所, 同一作业时间作业人员在1人及以上不足3人"}
      ]}
    ],
    "otherwise": "经评价或直接判定为一般风险或低风险 (give level general/low with its basis, or assess)"
  }
}
$json$);

-- An alternative LS profile: the same scales with stricter cut-offs, as some provinces use.
INSERT INTO assessment_profile (name, title_zh, title_en, definition)
SELECT 'ls-strict', 'LS 矩阵严格阈值 (≥16 重大, 10–15 较大, 5–9 一般, ≤4 低)', 'LS matrix, stricter cut-offs',
       jsonb_set(definition, '{LS,thresholds}', '{"major": 16, "significant": 10, "general": 5}')
FROM assessment_profile WHERE name = 'default';

ALTER TABLE enterprise ADD COLUMN profile text NOT NULL DEFAULT 'default' REFERENCES assessment_profile (name);
ALTER TABLE risk ADD CONSTRAINT risk_profile_fk FOREIGN KEY (profile) REFERENCES assessment_profile (name);
-- A residual assessment (after controls) may be stored like the inherent one.
ALTER TABLE risk ADD COLUMN residual_inputs jsonb, ADD COLUMN residual_score numeric;
CREATE INDEX risk_profile_idx ON risk (profile);

-- ---------------------------------------------------------------------------------------------
-- Region statistics (DOMAIN.md §7): weights and the colour rule are data.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE region_index_config (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),   -- one row
    weights     jsonb NOT NULL,
    colour_rule text NOT NULL CHECK (colour_rule IN ('highest_enterprise', 'index')),
    index_thresholds jsonb NOT NULL   -- used by colour_rule 'index': lower bounds per level
);
INSERT INTO region_index_config (weights, colour_rule, index_thresholds) VALUES
 ('{"major": 8, "significant": 4, "general": 2, "low": 1}', 'highest_enterprise',
  '{"major": 8, "significant": 4, "general": 1}');

CREATE FUNCTION ra_level_weight(lv risk_level) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce((weights ->> lv::text)::numeric, 0) FROM region_index_config
$$;

-- Every region with every region below it (itself included): regions change rarely, so this is a view.
CREATE VIEW region_descendant AS
WITH RECURSIVE d (ancestor_id, region_id) AS (
    SELECT id, id FROM region
    UNION ALL
    SELECT d.ancestor_id, r.id FROM d JOIN region r ON r.parent_id = d.region_id
)
SELECT ancestor_id, region_id FROM d;

-- Statistics of every region: enterprises and risk points by level, risk index, region colour.
-- Enterprises count by their current level; risk points by their residual level.
CREATE VIEW region_stats AS
WITH ent AS (
    SELECT rd.ancestor_id AS region_id, es.current_level AS level, count(*) AS n
    FROM region_descendant rd
    JOIN enterprise e ON e.region_id = rd.region_id
    JOIN enterprise_state es ON es.enterprise_id = e.id
    GROUP BY 1, 2
), pts AS (
    SELECT rd.ancestor_id AS region_id, r.residual_level AS level, count(*) AS n
    FROM region_descendant rd
    JOIN enterprise e ON e.region_id = rd.region_id
    JOIN area a ON a.enterprise_id = e.id
    JOIN risk r ON r.area_id = a.id
    GROUP BY 1, 2
), agg AS (
    SELECT g.id AS region_id,
           coalesce(sum(ent.n) FILTER (WHERE ent.level = 'major'), 0)::int AS ent_major,
           coalesce(sum(ent.n) FILTER (WHERE ent.level = 'significant'), 0)::int AS ent_significant,
           coalesce(sum(ent.n) FILTER (WHERE ent.level = 'general'), 0)::int AS ent_general,
           coalesce(sum(ent.n) FILTER (WHERE ent.level = 'low'), 0)::int AS ent_low,
           coalesce(sum(ent.n) FILTER (WHERE ent.level IS NULL), 0)::int AS ent_unassessed,
           coalesce(sum(ent.n * ra_level_weight(ent.level)), 0) AS weight_sum,
           max(ent.level) AS highest_level
    FROM region g LEFT JOIN ent ON ent.region_id = g.id
    GROUP BY g.id
), pagg AS (
    SELECT g.id AS region_id,
           coalesce(sum(pts.n) FILTER (WHERE pts.level = 'major'), 0)::int AS risk_major,
           coalesce(sum(pts.n) FILTER (WHERE pts.level = 'significant'), 0)::int AS risk_significant,
           coalesce(sum(pts.n) FILTER (WHERE pts.level = 'general'), 0)::int AS risk_general,
           coalesce(sum(pts.n) FILTER (WHERE pts.level = 'low'), 0)::int AS risk_low
    FROM region g LEFT JOIN pts ON pts.region_id = g.id
    GROUP BY g.id
)
SELECT g.id AS region_id, g.adcode, g.name, g.level AS region_level, g.parent_id, g.area_km2,
       agg.ent_major, agg.ent_significant, agg.ent_general, agg.ent_low, agg.ent_unassessed,
       agg.ent_major + agg.ent_significant + agg.ent_general + agg.ent_low + agg.ent_unassessed AS ent_total,
       pagg.risk_major, pagg.risk_significant, pagg.risk_general, pagg.risk_low,
       agg.weight_sum / nullif(g.area_km2::numeric, 0) AS risk_index,
       CASE c.colour_rule
           WHEN 'highest_enterprise' THEN agg.highest_level
           ELSE CASE
               WHEN agg.weight_sum / nullif(g.area_km2::numeric, 0) >= (c.index_thresholds ->> 'major')::numeric THEN 'major'
               WHEN agg.weight_sum / nullif(g.area_km2::numeric, 0) >= (c.index_thresholds ->> 'significant')::numeric THEN 'significant'
               WHEN agg.weight_sum / nullif(g.area_km2::numeric, 0) >= (c.index_thresholds ->> 'general')::numeric THEN 'general'
               WHEN agg.weight_sum > 0 THEN 'low'
           END::risk_level
       END AS region_level_colour
FROM region g
JOIN agg ON agg.region_id = g.id
JOIN pagg ON pagg.region_id = g.id
CROSS JOIN region_index_config c;

-- ---------------------------------------------------------------------------------------------
-- Enterprise overall grade and differentiated supervision (DOMAIN.md §7, seed 001 三.3)
-- ---------------------------------------------------------------------------------------------
ALTER TABLE enterprise
    ADD COLUMN diagnosis_score numeric CHECK (diagnosis_score BETWEEN 0 AND 100),
    ADD COLUMN diagnosis_direct_red boolean NOT NULL DEFAULT false,   -- 直接判定为红色的情形
    ADD COLUMN diagnosis_at date;

CREATE TABLE diagnosis_config (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    -- lower bounds of the 100-point score: blue ≥ 90, yellow ≥ 75, orange ≥ 60, red below
    low        numeric NOT NULL DEFAULT 90,
    general    numeric NOT NULL DEFAULT 75,
    significant numeric NOT NULL DEFAULT 60
);
INSERT INTO diagnosis_config DEFAULT VALUES;

CREATE TABLE supervision_frequency (
    level       risk_level PRIMARY KEY,
    every_days  int NOT NULL CHECK (every_days > 0),
    label_zh    text NOT NULL
);
INSERT INTO supervision_frequency (level, every_days, label_zh) VALUES
 ('major', 30, '每月一次'), ('significant', 91, '每季度一次'), ('general', 182, '每半年一次'), ('low', 365, '每年一次');

CREATE TABLE inspection (
    id            serial PRIMARY KEY,
    enterprise_id int NOT NULL REFERENCES enterprise (id) ON DELETE CASCADE,
    inspected_at  date NOT NULL,
    inspector     text NOT NULL,
    findings      text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inspection_enterprise_idx ON inspection (enterprise_id, inspected_at DESC);
CREATE TRIGGER inspection_audit AFTER INSERT OR UPDATE OR DELETE ON inspection FOR EACH ROW EXECUTE FUNCTION ra_audit();

CREATE VIEW enterprise_grade AS
SELECT e.id AS enterprise_id,
       es.current_level AS level_grade,
       CASE WHEN e.diagnosis_direct_red THEN 'major'::risk_level
            WHEN e.diagnosis_score IS NULL THEN NULL
            WHEN e.diagnosis_score >= dc.low THEN 'low'::risk_level
            WHEN e.diagnosis_score >= dc.general THEN 'general'::risk_level
            WHEN e.diagnosis_score >= dc.significant THEN 'significant'::risk_level
            ELSE 'major'::risk_level END AS diagnosis_grade,
       CASE WHEN e.diagnosis_direct_red OR e.diagnosis_score IS NOT NULL THEN 'diagnosis' ELSE 'plant_levels' END AS grade_basis
FROM enterprise e
JOIN enterprise_state es ON es.enterprise_id = e.id
CROSS JOIN diagnosis_config dc;

CREATE VIEW enterprise_supervision AS
SELECT g.enterprise_id,
       coalesce(g.diagnosis_grade, g.level_grade) AS grade,
       g.grade_basis,
       f.every_days,
       f.label_zh AS frequency_zh,
       li.last_inspected,
       (coalesce(li.last_inspected, e.created_at::date) + coalesce(f.every_days, 365)) AS next_due,
       (coalesce(li.last_inspected, e.created_at::date) + coalesce(f.every_days, 365)) < current_date AS overdue
FROM enterprise_grade g
JOIN enterprise e ON e.id = g.enterprise_id
LEFT JOIN supervision_frequency f ON f.level = coalesce(g.diagnosis_grade, g.level_grade)
LEFT JOIN LATERAL (SELECT max(i.inspected_at) AS last_inspected FROM inspection i
                   WHERE i.enterprise_id = e.id) li ON true;
