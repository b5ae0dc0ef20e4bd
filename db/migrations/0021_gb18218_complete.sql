-- GB 18218-2018《危险化学品重大危险源辨识》 complete: every named substance of 表1, every hazard
-- category of 表2, and a catalogue an admin extends with an enterprise's own substances by category.
--
-- Transcribed from GB 18218-2018 (the 2018 edition, in force since 2019-03-01), without the text at
-- hand (no network): from the tables as the author knows them, each CAS number checked by its check
-- digit. Tables used:
--   表1 危险化学品名称及其临界量 (85 rows: 序号, 名称, 别名, CAS号, 临界量 t)  → chemical (gb_row = 序号)
--   表2 未在表1中列举的危险化学品类别及其临界量 (J1–J5, W1.1–W11)        → gb18218_category.critical_t
--   表3 毒性气体校正系数β取值表 (β by name)                                → chemical.beta, beta_from 'table3'
--   表4 未在表3中列举的危险化学品校正系数β取值表 (β by category)           → gb18218_category.beta; a 表1
--       substance not in 表3 takes the β of its category (chemical.category, beta_from 'table4')
-- The category of a 表1 substance is riskatlas's reading of its classification (the standard names
-- none for 表1 rows); it matters only for β. Rows not certain, each with a `note` saying why:
--   2 二氟化氧, 5 氟, 14 砷化氢, 15 锑化氢, 16 硒化氢 (acute-toxicity category; J1 taken: 从严),
--   8 甲醛 (J3), 22 3-溴-1,2-环氧丙烷 and 24 一氯化硫 (category; β 1 whichever), 26 三氧化硫 (no
--   category: β 1), 42 硝化纤维素溶液 (the ≤55% in its name), 66 汽油 (W5.3 or W5.1), 71 过乙酸
--   (W7.1 taken: 从严), and in 表2 the wording of J1–J5's descriptions (the critical quantities are sure).
-- Q and β of the 21 rows of 0001 were already the standard's and are unchanged; their categories
-- now follow the rule above (NULL for the toxic gases of 表3), 光气 and 氯化氢 take the standard's
-- names (碳酰氯 with 别名 光气, 氯化氢(无水)), 液化石油气 keeps its short name with the standard's
-- full 名称 as an alias. Ids are kept (hazard_source_inventory references them).
--
-- A substance not named in 表1 is entered by its category (表2): its Q and β are its category's,
-- kept so by a trigger (ra_chemical_by_category) however the row is written, and followed when a
-- category's Q or β is corrected (the 0003 triggers then re-grade every hazard source holding it).
-- 丙烯 (propylene, 易燃气体类别1 → W2) ships as such an entry: it is common and not in 表1.

-- ---------------------------------------------------------------------------------------------
-- 表2 and 表4: the categories, their critical quantities and β
-- ---------------------------------------------------------------------------------------------
CREATE TABLE gb18218_category (
    code           text PRIMARY KEY CHECK (code ~ '^(J[1-5]|W[0-9]+(\.[0-9])?)$'),
    class_zh       text NOT NULL,                              -- 危险性类别 (急性毒性, 爆炸物 …)
    class_en       text NOT NULL,
    description_zh text NOT NULL,                              -- 危险性分类及说明
    critical_t     numeric NOT NULL CHECK (critical_t > 0),    -- 表2 临界量 Q (t)
    beta           numeric NOT NULL CHECK (beta > 0),          -- 表4 校正系数 β
    sort           smallint NOT NULL UNIQUE
);
COMMENT ON TABLE gb18218_category IS 'GB 18218-2018 表2 (临界量) and 表4 (β) by hazard category';
INSERT INTO gb18218_category (code, class_zh, class_en, description_zh, critical_t, beta, sort) VALUES
 ('J1', '急性毒性', 'Acute toxicity', '类别1, 所有暴露途径, 气体', 5, 4, 1),
 ('J2', '急性毒性', 'Acute toxicity', '类别1, 所有暴露途径, 固体、液体', 50, 1, 2),
 ('J3', '急性毒性', 'Acute toxicity', '类别2、类别3, 所有暴露途径, 气体', 50, 2, 3),
 ('J4', '急性毒性', 'Acute toxicity', '类别2、类别3, 吸入途径, 液体 (沸点≤35℃)', 50, 2, 4),
 ('J5', '急性毒性', 'Acute toxicity', '类别2, 所有暴露途径, 液体 (除J4外)、固体', 500, 1, 5),
 ('W1.1', '爆炸物', 'Explosives', '不稳定爆炸物; 1.1项爆炸物', 1, 2, 11),
 ('W1.2', '爆炸物', 'Explosives', '1.2、1.3、1.5、1.6项爆炸物', 10, 2, 12),
 ('W1.3', '爆炸物', 'Explosives', '1.4项爆炸物', 50, 2, 13),
 ('W2', '易燃气体', 'Flammable gases', '类别1和类别2', 10, 1.5, 20),
 ('W3', '气溶胶', 'Aerosols', '类别1和类别2 (临界量按净重)', 150, 1, 30),
 ('W4', '氧化性气体', 'Oxidizing gases', '类别1', 200, 1, 40),
 ('W5.1', '易燃液体', 'Flammable liquids', '类别1; 类别2和3, 工作温度高于沸点', 10, 1.5, 51),
 ('W5.2', '易燃液体', 'Flammable liquids',
  '类别2和3, 具有引发重大事故的特殊工艺条件 (危险化工工艺、爆炸极限范围或附近操作、操作压力大于1.6 MPa等)', 50, 1, 52),
 ('W5.3', '易燃液体', 'Flammable liquids', '不属于W5.1或W5.2的其他类别2', 1000, 1, 53),
 ('W5.4', '易燃液体', 'Flammable liquids', '不属于W5.1或W5.2的其他类别3', 5000, 1, 54),
 ('W6.1', '自反应物质和混合物', 'Self-reactive substances and mixtures', 'A型和B型自反应物质和混合物', 10, 1.5, 61),
 ('W6.2', '自反应物质和混合物', 'Self-reactive substances and mixtures', 'C型、D型、E型自反应物质和混合物', 50, 1, 62),
 ('W7.1', '有机过氧化物', 'Organic peroxides', 'A型和B型有机过氧化物', 10, 1.5, 71),
 ('W7.2', '有机过氧化物', 'Organic peroxides', 'C型、D型、E型、F型有机过氧化物', 50, 1, 72),
 ('W8', '自燃液体和自燃固体', 'Pyrophoric liquids and solids', '类别1自燃液体; 类别1自燃固体', 50, 1, 80),
 ('W9.1', '氧化性固体和液体', 'Oxidizing solids and liquids', '类别1', 50, 1, 91),
 ('W9.2', '氧化性固体和液体', 'Oxidizing solids and liquids', '类别2、类别3', 200, 1, 92),
 ('W10', '易燃固体', 'Flammable solids', '类别1易燃固体', 200, 1, 100),
 ('W11', '遇水放出易燃气体的物质和混合物', 'Substances which emit flammable gases in contact with water',
  '类别1和类别2', 200, 1, 110);

-- ---------------------------------------------------------------------------------------------
-- The catalogue: 表1 rows and entries by category
-- ---------------------------------------------------------------------------------------------
ALTER TABLE chemical
    ADD COLUMN gb_row    smallint UNIQUE CHECK (gb_row BETWEEN 1 AND 85),   -- 表1 序号; NULL: entered by category
    ADD COLUMN aliases   text[] NOT NULL DEFAULT '{}',                      -- 别名 (and other names it is known by)
    ADD COLUMN cas_other text[] NOT NULL DEFAULT '{}',                      -- further CAS numbers of the row
    ADD COLUMN beta_from text CHECK (beta_from IN ('table3', 'table4', 'default')),
    ADD COLUMN note      text,                                              -- why a value is as it is, or uncertain
    ADD CONSTRAINT chemical_category_fk FOREIGN KEY (category) REFERENCES gb18218_category (code),
    ADD CONSTRAINT chemical_named_or_categorised CHECK (gb_row IS NOT NULL OR category IS NOT NULL);
COMMENT ON COLUMN chemical.category IS
    'GB 18218 表2 category: for a 表1 substance the one whose 表4 β it takes (NULL when β is by name in 表3), '
    'for any other substance the one that gives its Q and β';
COMMENT ON COLUMN chemical.beta_from IS
    'table3: β by name (表3 毒性气体); table4: by category (表4); default: 1, no 表4 category';

-- An entry by category takes its category's Q and β, whatever the writer says.
CREATE FUNCTION ra_chemical_by_category() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cat gb18218_category;
BEGIN
    IF NEW.gb_row IS NULL THEN
        SELECT * INTO cat FROM gb18218_category WHERE code = NEW.category;
        IF FOUND THEN
            NEW.critical_t := cat.critical_t;
            NEW.beta := cat.beta;
            NEW.beta_from := 'table4';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chemical_by_category BEFORE INSERT OR UPDATE ON chemical
    FOR EACH ROW EXECUTE FUNCTION ra_chemical_by_category();

-- A category's Q or β corrected: the entries by that category follow (and are re-graded by 0003).
CREATE FUNCTION ra_category_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chemical c SET critical_t = n.critical_t, beta = n.beta
    FROM new_rows n
    WHERE c.gb_row IS NULL AND c.category = n.code
      AND (c.critical_t, c.beta) IS DISTINCT FROM (n.critical_t, n.beta);
    RETURN NULL;
END $$;
CREATE TRIGGER gb18218_category_changed AFTER UPDATE ON gb18218_category
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ra_category_after_update();
CREATE TRIGGER gb18218_category_audit AFTER INSERT OR UPDATE OR DELETE ON gb18218_category
    FOR EACH ROW EXECUTE FUNCTION ra_audit_keyed('code');

-- ---------------------------------------------------------------------------------------------
-- 表1 (序号, 名称, 别名, CAS号, further CAS, 临界量 t, β, β from, category, English, note)
-- ---------------------------------------------------------------------------------------------
UPDATE chemical SET name_zh = '碳酰氯' WHERE name_zh = '光气';
UPDATE chemical SET name_zh = '氯化氢(无水)' WHERE name_zh = '氯化氢';

WITH t (gb_row, name_zh, aliases, cas, cas_other, critical_t, beta, beta_from, category, name_en, note) AS (VALUES
 (1, '氨', ARRAY['液氨', '氨气'], '7664-41-7', '{}'::text[], 10, 2, 'table3', NULL, 'Ammonia', NULL),
 (2, '二氟化氧', ARRAY['一氧化二氟'], '7783-41-7', '{}'::text[], 1, 4, 'table4', 'J1', 'Oxygen difluoride', 'β 按 J1 (急性毒性类别1, 气体) (J1, acute toxicity category 1 gas)'),
 (3, '二氧化氮', '{}'::text[], '10102-44-0', '{}'::text[], 1, 10, 'table3', NULL, 'Nitrogen dioxide', NULL),
 (4, '二氧化硫', ARRAY['亚硫酸酐'], '7446-09-5', '{}'::text[], 20, 2, 'table3', NULL, 'Sulfur dioxide', NULL),
 (5, '氟', '{}'::text[], '7782-41-4', '{}'::text[], 1, 4, 'table4', 'J1', 'Fluorine', '急性毒性类别 (1 或 2) 未确证, β 从严按 J1 (category uncertain: J1 taken on the safe side)'),
 (6, '碳酰氯', ARRAY['光气'], '75-44-5', '{}'::text[], 0.3, 20, 'table3', NULL, 'Carbonyl dichloride (phosgene)', NULL),
 (7, '环氧乙烷', ARRAY['氧化乙烯'], '75-21-8', '{}'::text[], 10, 2, 'table3', NULL, 'Ethylene oxide', NULL),
 (8, '甲醛(含量>90%)', ARRAY['蚁醛'], '50-00-0', '{}'::text[], 5, 2, 'table4', 'J3', 'Formaldehyde (>90%)', 'β 按 J3 (急性毒性类别3 气体), 大于 W2 的 1.5 (J3 gives the larger β)'),
 (9, '磷化氢', ARRAY['磷化三氢', '膦'], '7803-51-2', '{}'::text[], 1, 20, 'table3', NULL, 'Phosphine', NULL),
 (10, '硫化氢', '{}'::text[], '7783-06-4', '{}'::text[], 5, 5, 'table3', NULL, 'Hydrogen sulfide', NULL),
 (11, '氯化氢(无水)', '{}'::text[], '7647-01-0', '{}'::text[], 20, 3, 'table3', NULL, 'Hydrogen chloride (anhydrous)', NULL),
 (12, '氯', ARRAY['液氯', '氯气'], '7782-50-5', '{}'::text[], 5, 4, 'table3', NULL, 'Chlorine', NULL),
 (13, '煤气(CO,CO和H2、CH4的混合物等)', '{}'::text[], NULL, '{}'::text[], 20, 2, 'table4', 'J3', 'Town gas (CO and mixtures of CO, H2, CH4)', 'β 按 J3, 与表3 一氧化碳 2 相同 (as its carbon monoxide)'),
 (14, '砷化氢', ARRAY['砷化三氢', '胂'], '7784-42-1', '{}'::text[], 1, 4, 'table4', 'J1', 'Arsine', '急性毒性类别未确证, β 从严按 J1 (J1 taken on the safe side)'),
 (15, '锑化氢', ARRAY['三氢化锑', '锑化三氢', '䏲'], '7803-52-3', '{}'::text[], 1, 4, 'table4', 'J1', 'Stibine', '急性毒性类别未确证, β 从严按 J1 (J1 taken on the safe side)'),
 (16, '硒化氢', '{}'::text[], '7783-07-5', '{}'::text[], 1, 4, 'table4', 'J1', 'Hydrogen selenide', '急性毒性类别未确证, β 从严按 J1 (J1 taken on the safe side)'),
 (17, '溴甲烷', ARRAY['甲基溴'], '74-83-9', '{}'::text[], 10, 3, 'table3', NULL, 'Bromomethane (methyl bromide)', NULL),
 (18, '丙酮氰醇', ARRAY['丙酮合氰化氢', '2-羟基异丁腈', '氰丙醇'], '75-86-5', '{}'::text[], 20, 1, 'table4', 'J2', 'Acetone cyanohydrin', NULL),
 (19, '丙烯醛', ARRAY['烯丙醛', '败脂醛'], '107-02-8', '{}'::text[], 20, 1, 'table4', 'J2', 'Acrolein', NULL),
 (20, '氟化氢', '{}'::text[], '7664-39-3', '{}'::text[], 1, 5, 'table3', NULL, 'Hydrogen fluoride', NULL),
 (21, '1-氯-2,3-环氧丙烷', ARRAY['环氧氯丙烷', '3-氯-1,2-环氧丙烷'], '106-89-8', '{}'::text[], 20, 1, 'table4', 'W5.4', 'Epichlorohydrin', NULL),
 (22, '3-溴-1,2-环氧丙烷', ARRAY['环氧溴丙烷', '溴甲基环氧乙烷', '表溴醇'], '3132-64-7', '{}'::text[], 20, 1, 'table4', 'J5', 'Epibromohydrin', '类别未确证, 各候选类别 β 均为 1 (category uncertain; β 1 either way)'),
 (23, '甲苯二异氰酸酯', ARRAY['二异氰酸甲苯酯', 'TDI'], '26471-62-5', '{}'::text[], 100, 1, 'table4', 'J5', 'Toluene diisocyanate', NULL),
 (24, '一氯化硫', ARRAY['氯化硫'], '10025-67-9', '{}'::text[], 1, 1, 'table4', 'J5', 'Sulfur monochloride', '类别未确证, 各候选类别 β 均为 1 (category uncertain; β 1 either way)'),
 (25, '氰化氢', ARRAY['无水氢氰酸'], '74-90-8', '{}'::text[], 1, 10, 'table3', NULL, 'Hydrogen cyanide', NULL),
 (26, '三氧化硫', ARRAY['硫酸酐'], '7446-11-9', '{}'::text[], 75, 1, 'default', NULL, 'Sulfur trioxide', '无表4所列类别 (腐蚀性), β 取 1 (no 表4 category)'),
 (27, '3-氨基丙烯', ARRAY['烯丙胺'], '107-11-9', '{}'::text[], 20, 1, 'table4', 'W5.3', 'Allylamine', NULL),
 (28, '溴', ARRAY['溴素'], '7726-95-6', '{}'::text[], 20, 1, 'table4', 'J5', 'Bromine', NULL),
 (29, '乙撑亚胺', ARRAY['吖丙啶', '1-氮杂环丙烷', '氮丙啶'], '151-56-4', '{}'::text[], 20, 1, 'table4', 'J2', 'Ethyleneimine (aziridine)', NULL),
 (30, '异氰酸甲酯', ARRAY['甲基异氰酸酯'], '624-83-9', '{}'::text[], 0.75, 20, 'table3', NULL, 'Methyl isocyanate', NULL),
 (31, '叠氮化钡', ARRAY['叠氮钡'], '18810-58-7', '{}'::text[], 0.5, 2, 'table4', 'W1.1', 'Barium azide', NULL),
 (32, '叠氮化铅', '{}'::text[], '13424-46-9', '{}'::text[], 0.5, 2, 'table4', 'W1.1', 'Lead azide', NULL),
 (33, '雷汞', ARRAY['二雷酸汞', '雷酸汞'], '628-86-4', '{}'::text[], 0.5, 2, 'table4', 'W1.1', 'Mercury fulminate', NULL),
 (34, '三硝基苯甲醚', ARRAY['三硝基茴香醚'], '28653-16-9', '{}'::text[], 5, 2, 'table4', 'W1.1', 'Trinitroanisole', NULL),
 (35, '2,4,6-三硝基甲苯', ARRAY['梯恩梯', 'TNT'], '118-96-7', '{}'::text[], 5, 2, 'table4', 'W1.1', '2,4,6-Trinitrotoluene (TNT)', NULL),
 (36, '硝化甘油', ARRAY['硝化丙三醇', '甘油三硝酸酯'], '55-63-0', '{}'::text[], 1, 2, 'table4', 'W1.1', 'Nitroglycerin', NULL),
 (37, '硝化纤维素[干的或含水(或乙醇)<25%]', ARRAY['硝化棉'], '9004-70-0', '{}'::text[], 1, 2, 'table4', 'W1.1', 'Nitrocellulose, dry or wetted with <25% water (or alcohol)', NULL),
 (38, '硝化纤维素(未改型的,或增塑的,含增塑剂<18%)', ARRAY['硝化棉'], '9004-70-0', '{}'::text[], 1, 2, 'table4', 'W1.1', 'Nitrocellulose, unmodified or plasticized with <18% plasticizer', NULL),
 (39, '硝化纤维素(含乙醇≥25%)', ARRAY['硝化棉'], '9004-70-0', '{}'::text[], 10, 1, 'table4', 'W10', 'Nitrocellulose with ≥25% alcohol', NULL),
 (40, '硝化纤维素(含氮≤12.6%)', ARRAY['硝化棉'], '9004-70-0', '{}'::text[], 50, 1, 'table4', 'W10', 'Nitrocellulose, ≤12.6% nitrogen', NULL),
 (41, '硝化纤维素(含水≥25%)', ARRAY['硝化棉'], '9004-70-0', '{}'::text[], 50, 1, 'table4', 'W10', 'Nitrocellulose with ≥25% water', NULL),
 (42, '硝化纤维素溶液(含氮量≤12.6%,含硝化纤维素≤55%)', ARRAY['硝化棉溶液'], '9004-70-0', '{}'::text[], 50, 1, 'table4', 'W5.3', 'Nitrocellulose solution (≤12.6% N, ≤55% nitrocellulose)', '「含硝化纤维素≤55%」未确证, 一转录本作≤25%; Q 均为 50 t (the 55% limit is uncertain)'),
 (43, '硝酸铵(含可燃物>0.2%,包括以碳计算的任何有机物,但不包括任何其他添加剂)', '{}'::text[], '6484-52-2', '{}'::text[], 5, 2, 'table4', 'W1.1', 'Ammonium nitrate, >0.2% combustible substances', NULL),
 (44, '硝酸铵(含可燃物≤0.2%)', '{}'::text[], '6484-52-2', '{}'::text[], 50, 1, 'table4', 'W9.2', 'Ammonium nitrate, ≤0.2% combustible substances', NULL),
 (45, '硝酸铵肥料(含可燃物≤0.4%)', '{}'::text[], NULL, '{}'::text[], 200, 1, 'table4', 'W9.2', 'Ammonium nitrate fertilizer, ≤0.4% combustible substances', NULL),
 (46, '硝酸钾', '{}'::text[], '7757-79-1', '{}'::text[], 1000, 1, 'table4', 'W9.2', 'Potassium nitrate', NULL),
 (47, '1,3-丁二烯', ARRAY['联乙烯'], '106-99-0', '{}'::text[], 5, 1.5, 'table4', 'W2', '1,3-Butadiene', NULL),
 (48, '二甲醚', ARRAY['甲醚'], '115-10-6', '{}'::text[], 50, 1.5, 'table4', 'W2', 'Dimethyl ether', NULL),
 (49, '甲烷,天然气', '{}'::text[], '74-82-8', ARRAY['8006-14-2'], 50, 1.5, 'table4', 'W2', 'Methane, natural gas', NULL),
 (50, '氯乙烯', ARRAY['乙烯基氯'], '75-01-4', '{}'::text[], 50, 1.5, 'table4', 'W2', 'Vinyl chloride', NULL),
 (51, '氢', ARRAY['氢气'], '1333-74-0', '{}'::text[], 5, 1.5, 'table4', 'W2', 'Hydrogen', NULL),
 (52, '液化石油气', ARRAY['液化石油气(含丙烷、丁烷及其混合物)', '石油气(液化的)', '丙烷', '丁烷'], '68476-85-7', ARRAY['74-98-6', '106-97-8'], 50, 1.5, 'table4', 'W2', 'Liquefied petroleum gas (propane, butane and their mixtures)', NULL),
 (53, '一甲胺', ARRAY['氨基甲烷', '甲胺'], '74-89-5', '{}'::text[], 5, 1.5, 'table4', 'W2', 'Methylamine', NULL),
 (54, '乙炔', ARRAY['电石气'], '74-86-2', '{}'::text[], 1, 1.5, 'table4', 'W2', 'Acetylene', NULL),
 (55, '乙烯', '{}'::text[], '74-85-1', '{}'::text[], 50, 1.5, 'table4', 'W2', 'Ethylene', NULL),
 (56, '氧(压缩的或液化的)', ARRAY['液氧', '氧气'], '7782-44-7', '{}'::text[], 200, 1, 'table4', 'W4', 'Oxygen (compressed or liquefied)', NULL),
 (57, '苯', ARRAY['纯苯'], '71-43-2', '{}'::text[], 50, 1, 'table4', 'W5.3', 'Benzene', NULL),
 (58, '苯乙烯', ARRAY['乙烯苯'], '100-42-5', '{}'::text[], 500, 1, 'table4', 'W5.4', 'Styrene', NULL),
 (59, '丙酮', ARRAY['二甲基酮'], '67-64-1', '{}'::text[], 500, 1, 'table4', 'W5.3', 'Acetone', NULL),
 (60, '2-丙烯腈', ARRAY['丙烯腈', '乙烯基氰', '氰基乙烯'], '107-13-1', '{}'::text[], 50, 1, 'table4', 'W5.3', 'Acrylonitrile', NULL),
 (61, '二硫化碳', '{}'::text[], '75-15-0', '{}'::text[], 50, 1, 'table4', 'W5.3', 'Carbon disulfide', NULL),
 (62, '环己烷', ARRAY['六氢化苯'], '110-82-7', '{}'::text[], 500, 1, 'table4', 'W5.3', 'Cyclohexane', NULL),
 (63, '1,2-环氧丙烷', ARRAY['氧化丙烯', '甲基环氧乙烷'], '75-56-9', '{}'::text[], 10, 1.5, 'table4', 'W5.1', '1,2-Epoxypropane (propylene oxide)', NULL),
 (64, '甲苯', ARRAY['甲基苯', '苯基甲烷'], '108-88-3', '{}'::text[], 500, 1, 'table4', 'W5.3', 'Toluene', NULL),
 (65, '甲醇', ARRAY['木醇', '木精'], '67-56-1', '{}'::text[], 500, 1, 'table4', 'W5.3', 'Methanol', NULL),
 (66, '汽油(乙醇汽油、甲醇汽油)', '{}'::text[], '86290-81-5', '{}'::text[], 200, 1, 'table4', 'W5.3', 'Gasoline (incl. ethanol and methanol gasoline)', 'β 按 W5.3 (危险化学品目录: 易燃液体类别2); 部分 SDS 列为类别1, 则为 W5.1, β 1.5 (uncertain)'),
 (67, '乙醇', ARRAY['酒精'], '64-17-5', '{}'::text[], 500, 1, 'table4', 'W5.3', 'Ethanol', NULL),
 (68, '乙醚', ARRAY['二乙基醚'], '60-29-7', '{}'::text[], 10, 1.5, 'table4', 'W5.1', 'Diethyl ether', NULL),
 (69, '乙酸乙酯', ARRAY['醋酸乙酯'], '141-78-6', '{}'::text[], 500, 1, 'table4', 'W5.3', 'Ethyl acetate', NULL),
 (70, '正己烷', ARRAY['己烷'], '110-54-3', '{}'::text[], 500, 1, 'table4', 'W5.3', 'n-Hexane', NULL),
 (71, '过乙酸', ARRAY['过醋酸', '过氧乙酸', '乙酰过氧化氢'], '79-21-0', '{}'::text[], 10, 1.5, 'table4', 'W7.1', 'Peracetic acid', 'β 从严按 W7.1; 商品溶液多为 D–F 型有机过氧化物, 则为 W7.2, β 1 (W7.1 taken on the safe side)'),
 (72, '过氧化甲基乙基酮(10%<有效氧含量≤10.7%,含A型稀释剂≥48%)', '{}'::text[], '1338-23-4', '{}'::text[], 10, 1.5, 'table4', 'W7.1', 'Methyl ethyl ketone peroxide (10% < active oxygen ≤ 10.7%, ≥48% type A diluent)', NULL),
 (73, '白磷', ARRAY['黄磷'], '12185-10-3', '{}'::text[], 50, 1, 'table4', 'W8', 'White phosphorus', NULL),
 (74, '烷基铝', ARRAY['三烷基铝'], NULL, '{}'::text[], 1, 1, 'table4', 'W8', 'Aluminium alkyls', NULL),
 (75, '戊硼烷', ARRAY['五硼烷'], '19624-22-7', '{}'::text[], 1, 1, 'table4', 'W8', 'Pentaborane', NULL),
 (76, '过氧化钾', '{}'::text[], '17014-71-0', '{}'::text[], 20, 1, 'table4', 'W9.1', 'Potassium peroxide', NULL),
 (77, '过氧化钠', ARRAY['双氧化钠', '二氧化钠'], '1313-60-6', '{}'::text[], 20, 1, 'table4', 'W9.1', 'Sodium peroxide', NULL),
 (78, '氯酸钾', '{}'::text[], '3811-04-9', '{}'::text[], 100, 1, 'table4', 'W9.1', 'Potassium chlorate', NULL),
 (79, '氯酸钠', '{}'::text[], '7775-09-9', '{}'::text[], 100, 1, 'table4', 'W9.1', 'Sodium chlorate', NULL),
 (80, '发烟硝酸', '{}'::text[], '52583-42-3', '{}'::text[], 20, 1, 'table4', 'W9.1', 'Fuming nitric acid', NULL),
 (81, '硝酸(发红烟的除外,含硝酸>70%)', '{}'::text[], '7697-37-2', '{}'::text[], 100, 1, 'table4', 'W9.2', 'Nitric acid (>70%, other than red fuming)', NULL),
 (82, '硝酸胍', ARRAY['硝酸亚氨脲'], '506-93-4', '{}'::text[], 50, 1, 'table4', 'W9.2', 'Guanidine nitrate', NULL),
 (83, '碳化钙', ARRAY['电石'], '75-20-7', '{}'::text[], 100, 1, 'table4', 'W11', 'Calcium carbide', NULL),
 (84, '钾', ARRAY['金属钾'], '7440-09-7', '{}'::text[], 1, 1, 'table4', 'W11', 'Potassium', NULL),
 (85, '钠', ARRAY['金属钠'], '7440-23-5', '{}'::text[], 10, 1, 'table4', 'W11', 'Sodium', NULL)
), upd AS (
    UPDATE chemical c
    SET gb_row = t.gb_row, aliases = t.aliases, cas = t.cas, cas_other = t.cas_other,
        critical_t = t.critical_t, beta = t.beta, beta_from = t.beta_from, category = t.category,
        name_en = coalesce(c.name_en, t.name_en), note = t.note
    FROM t WHERE c.name_zh = t.name_zh
    RETURNING c.name_zh
)
INSERT INTO chemical (gb_row, name_zh, aliases, cas, cas_other, critical_t, beta, beta_from, category, name_en, note)
SELECT gb_row, name_zh, aliases, cas, cas_other, critical_t, beta, beta_from, category, name_en, note
FROM t WHERE name_zh NOT IN (SELECT name_zh FROM upd)
ORDER BY gb_row;

-- 丙烯: not in 表1; 易燃气体类别1 (危险化学品目录) → W2 (Q and β set by the trigger from 表2/表4).
INSERT INTO chemical (name_zh, name_en, cas, aliases, category, critical_t, beta, note)
VALUES ('丙烯', 'Propylene', '115-07-1', ARRAY['丙烯(液化的)'], 'W2', 10, 1.5,
        '未列入表1, 按表2 W2 易燃气体 (not in 表1: by category W2)');
