-- riskatlas core data model.
-- Geometry is stored in EPSG:4326 (CGCS2000 input is accepted as equal), GiST indexed and checked at
-- the door: an invalid geometry is refused with ST_IsValidReason, never silently repaired.

CREATE EXTENSION IF NOT EXISTS postgis;

-- ---------------------------------------------------------------------------------------------
-- Controlled vocabularies
-- ---------------------------------------------------------------------------------------------

-- Risk levels, ordered so that max() is 从严从高 (the highest wins).
CREATE TYPE risk_level AS ENUM ('low', 'general', 'significant', 'major');
CREATE TYPE region_level AS ENUM ('province', 'city', 'district', 'town', 'grid');
CREATE TYPE enterprise_scale AS ENUM ('large', 'medium', 'small', 'micro');
CREATE TYPE area_kind AS ENUM ('plant', 'workshop', 'unit', 'post', 'building');
CREATE TYPE assessment_method AS ENUM ('LEC', 'LS', 'MES', 'direct');
CREATE TYPE control_kind AS ENUM ('elimination', 'substitution', 'engineering', 'administrative', 'ppe', 'emergency');
CREATE TYPE control_tier AS ENUM ('company', 'workshop', 'team', 'post');
CREATE TYPE check_period AS ENUM ('shift', 'daily', 'weekly', 'monthly', 'quarterly');
CREATE TYPE hazard_grade AS ENUM ('general', 'major');
CREATE TYPE hazard_status AS ENUM ('reported', 'rectifying', 'pending_review', 'closed');
CREATE TYPE resource_kind AS ENUM ('fire_station', 'shelter', 'hospital', 'depot', 'rescue_team');
CREATE TYPE target_kind AS ENUM ('school', 'kindergarten', 'hospital', 'nursing_home', 'residential', 'market', 'office', 'other');
CREATE TYPE road_class AS ENUM ('expressway', 'arterial', 'secondary', 'branch', 'plant');
CREATE TYPE user_role AS ENUM ('admin', 'regulator', 'enterprise');

-- Labels live with the vocabulary so SQL exports, Python and the web app share one source.
CREATE TABLE vocabulary (
    domain  text NOT NULL,
    code    text NOT NULL,
    name_zh text NOT NULL,
    name_en text NOT NULL,
    ord     smallint NOT NULL,
    PRIMARY KEY (domain, code)
);

INSERT INTO vocabulary (domain, code, name_zh, name_en, ord) VALUES
 ('risk_level', 'major', '重大风险', 'Major risk', 1),
 ('risk_level', 'significant', '较大风险', 'Significant risk', 2),
 ('risk_level', 'general', '一般风险', 'General risk', 3),
 ('risk_level', 'low', '低风险', 'Low risk', 4),
 ('region_level', 'province', '省', 'Province', 1),
 ('region_level', 'city', '市', 'City', 2),
 ('region_level', 'district', '区县', 'District', 3),
 ('region_level', 'town', '镇/街道', 'Town', 4),
 ('region_level', 'grid', '网格', 'Grid', 5),
 ('enterprise_scale', 'large', '大型', 'Large', 1),
 ('enterprise_scale', 'medium', '中型', 'Medium', 2),
 ('enterprise_scale', 'small', '小型', 'Small', 3),
 ('enterprise_scale', 'micro', '微型', 'Micro', 4),
 ('area_kind', 'plant', '厂区', 'Plant', 1),
 ('area_kind', 'workshop', '车间', 'Workshop', 2),
 ('area_kind', 'unit', '装置/单元', 'Unit', 3),
 ('area_kind', 'post', '岗位', 'Post', 4),
 ('area_kind', 'building', '其他建筑', 'Other building', 5),
 ('assessment_method', 'LEC', '作业条件危险性分析法(LEC)', 'LEC', 1),
 ('assessment_method', 'LS', '风险矩阵法(LS)', 'Risk matrix (LS)', 2),
 ('assessment_method', 'MES', 'MES评价法', 'MES', 3),
 ('assessment_method', 'direct', '直接判定法', 'Direct determination', 4),
 ('control_kind', 'elimination', '消除', 'Elimination', 1),
 ('control_kind', 'substitution', '替代', 'Substitution', 2),
 ('control_kind', 'engineering', '工程控制', 'Engineering control', 3),
 ('control_kind', 'administrative', '管理', 'Administrative control', 4),
 ('control_kind', 'ppe', '个体防护', 'Personal protective equipment', 5),
 ('control_kind', 'emergency', '应急处置', 'Emergency response', 6),
 ('control_tier', 'company', '公司', 'Company', 1),
 ('control_tier', 'workshop', '车间(部门)', 'Workshop', 2),
 ('control_tier', 'team', '班组', 'Team', 3),
 ('control_tier', 'post', '岗位', 'Post', 4),
 ('check_period', 'shift', '每班', 'Every shift', 1),
 ('check_period', 'daily', '每天', 'Daily', 2),
 ('check_period', 'weekly', '每周', 'Weekly', 3),
 ('check_period', 'monthly', '每月', 'Monthly', 4),
 ('check_period', 'quarterly', '每季度', 'Quarterly', 5),
 ('hazard_grade', 'general', '一般隐患', 'General hidden hazard', 1),
 ('hazard_grade', 'major', '重大隐患', 'Major hidden hazard', 2),
 ('hazard_status', 'reported', '上报', 'Reported', 1),
 ('hazard_status', 'rectifying', '整改中', 'Rectifying', 2),
 ('hazard_status', 'pending_review', '待验收', 'Pending review', 3),
 ('hazard_status', 'closed', '已闭环', 'Closed', 4),
 ('resource_kind', 'fire_station', '消防救援站', 'Fire station', 1),
 ('resource_kind', 'shelter', '应急避难场所', 'Emergency shelter', 2),
 ('resource_kind', 'hospital', '医院', 'Hospital', 3),
 ('resource_kind', 'depot', '应急物资库', 'Emergency supplies depot', 4),
 ('resource_kind', 'rescue_team', '救援队伍', 'Rescue team', 5),
 ('target_kind', 'school', '学校', 'School', 1),
 ('target_kind', 'kindergarten', '幼儿园', 'Kindergarten', 2),
 ('target_kind', 'hospital', '医院', 'Hospital', 3),
 ('target_kind', 'nursing_home', '养老院', 'Nursing home', 4),
 ('target_kind', 'residential', '居民区', 'Residential', 5),
 ('target_kind', 'market', '商场/市场', 'Market', 6),
 ('target_kind', 'office', '办公场所', 'Office', 7),
 ('target_kind', 'other', '其他', 'Other', 8),
 ('road_class', 'expressway', '高速公路', 'Expressway', 1),
 ('road_class', 'arterial', '主干路', 'Arterial', 2),
 ('road_class', 'secondary', '次干路', 'Secondary', 3),
 ('road_class', 'branch', '支路', 'Branch', 4),
 ('road_class', 'plant', '厂内道路', 'Plant road', 5),
 ('user_role', 'admin', '管理员', 'Administrator', 1),
 ('user_role', 'regulator', '监管人员', 'Regulator', 2),
 ('user_role', 'enterprise', '企业用户', 'Enterprise user', 3);

-- 行业 (seed 003 第二条 lists the 工贸 industries; 危险化学品 and others complete the set).
CREATE TABLE industry (
    code    text PRIMARY KEY,
    name_zh text NOT NULL UNIQUE,
    name_en text NOT NULL,
    ord     smallint NOT NULL
);
INSERT INTO industry (code, name_zh, name_en, ord) VALUES
 ('metallurgy', '冶金', 'Metallurgy', 1),
 ('nonferrous', '有色', 'Non-ferrous metals', 2),
 ('building_materials', '建材', 'Building materials', 3),
 ('machinery', '机械', 'Machinery', 4),
 ('light', '轻工', 'Light industry', 5),
 ('textile', '纺织', 'Textiles', 6),
 ('tobacco', '烟草', 'Tobacco', 7),
 ('commerce', '商贸', 'Commerce and trade', 8),
 ('hazchem', '危险化学品', 'Hazardous chemicals', 9),
 ('other', '其他', 'Other', 10);

-- GB 6441-1986 企业职工伤亡事故分类: the 20 accident types, numbered as in the standard.
CREATE TABLE accident_type (
    code    smallint PRIMARY KEY,
    name_zh text NOT NULL UNIQUE,
    name_en text NOT NULL
);
INSERT INTO accident_type (code, name_zh, name_en) VALUES
 (1, '物体打击', 'Struck by object'),
 (2, '车辆伤害', 'Vehicle injury'),
 (3, '机械伤害', 'Machinery injury'),
 (4, '起重伤害', 'Lifting injury'),
 (5, '触电', 'Electric shock'),
 (6, '淹溺', 'Drowning'),
 (7, '灼烫', 'Burns and scalds'),
 (8, '火灾', 'Fire'),
 (9, '高处坠落', 'Fall from height'),
 (10, '坍塌', 'Collapse'),
 (11, '冒顶片帮', 'Roof fall and rib spalling'),
 (12, '透水', 'Water inrush'),
 (13, '放炮', 'Blasting'),
 (14, '火药爆炸', 'Explosive detonation'),
 (15, '瓦斯爆炸', 'Gas (firedamp) explosion'),
 (16, '锅炉爆炸', 'Boiler explosion'),
 (17, '容器爆炸', 'Pressure vessel explosion'),
 (18, '其它爆炸', 'Other explosion'),
 (19, '中毒和窒息', 'Poisoning and asphyxiation'),
 (20, '其它伤害', 'Other injury');

-- ---------------------------------------------------------------------------------------------
-- Geometry checks shared by every spatial table
-- ---------------------------------------------------------------------------------------------

-- Raise a clear error naming the table, the column and ST_IsValidReason for an invalid geometry.
CREATE FUNCTION ra_check_geometry(tbl text, col text, g geometry) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    d valid_detail;
BEGIN
    IF g IS NULL THEN
        RETURN;
    END IF;
    IF ST_IsEmpty(g) THEN
        RAISE EXCEPTION '%.% 几何为空 (empty geometry)', tbl, col USING ERRCODE = '22023';
    END IF;
    d := ST_IsValidDetail(g);   -- unlike ST_IsValid, raises no NOTICE
    IF NOT d.valid THEN
        RAISE EXCEPTION '%.% 几何无效 (invalid geometry): % 位于 (at) %', tbl, col, d.reason, ST_AsText(d.location)
            USING ERRCODE = '22023';
    END IF;
    IF ST_XMin(g) < -180 OR ST_XMax(g) > 180 OR ST_YMin(g) < -90 OR ST_YMax(g) > 90 THEN
        RAISE EXCEPTION '%.% 坐标超出经纬度范围, 坐标系应为 EPSG:4326/4490 (coordinates out of lon/lat range: wrong CRS?)',
            tbl, col USING ERRCODE = '22023';
    END IF;
END $$;

-- 统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.
CREATE FUNCTION uscc_valid(code text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    alphabet constant text := '0123456789ABCDEFGHJKLMNPQRTUWXY';
    weights constant int[] := ARRAY[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28];
    total int := 0;
    v int;
    chk int;
BEGIN
    IF code !~ '^[0-9A-HJ-NPQRTUWXY]{18}$' THEN
        RETURN false;
    END IF;
    FOR i IN 1..17 LOOP
        v := strpos(alphabet, substr(code, i, 1)) - 1;
        total := total + v * weights[i];
    END LOOP;
    chk := (31 - total % 31) % 31;
    RETURN substr(alphabet, chk + 1, 1) = substr(code, 18, 1);
END $$;

-- ---------------------------------------------------------------------------------------------
-- Regions: province -> city -> district -> town -> grid (seed 004 网格化)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE region (
    id            serial PRIMARY KEY,
    adcode        text NOT NULL UNIQUE CHECK (adcode ~ '^[0-9]{6,15}$'),
    name          text NOT NULL CHECK (length(btrim(name)) > 0),
    level         region_level NOT NULL,
    parent_id     int REFERENCES region (id) ON DELETE RESTRICT,
    officer_name  text,          -- 专管员 of a grid
    officer_phone text,
    geom          geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    area_km2      double precision GENERATED ALWAYS AS (ST_Area(geom::geography) / 1e6) STORED,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (level <> 'grid' OR (officer_name IS NOT NULL AND officer_phone IS NOT NULL)),
    CHECK ((level IN ('province')) = (parent_id IS NULL) OR level = 'city')
);
CREATE INDEX region_geom_gix ON region USING gist (geom);
CREATE INDEX region_parent_idx ON region (parent_id);
CREATE INDEX region_level_idx ON region (level);

-- ---------------------------------------------------------------------------------------------
-- Enterprises
-- ---------------------------------------------------------------------------------------------
CREATE TABLE enterprise (
    id              serial PRIMARY KEY,
    uscc            text NOT NULL UNIQUE,
    name            text NOT NULL CHECK (length(btrim(name)) > 0),
    industry        text NOT NULL REFERENCES industry (code),
    scale           enterprise_scale NOT NULL,
    employees       int NOT NULL CHECK (employees >= 0),
    address         text,
    region_id       int NOT NULL REFERENCES region (id),
    location        geometry(Point, 4326) NOT NULL,
    boundary        geometry(MultiPolygon, 4326),
    legal_rep       text,
    safety_manager  text,
    contact_phone   text,
    emergency_phone text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT enterprise_uscc_check CHECK (uscc_valid(uscc)),
    CHECK (ST_IsValid(location)),
    CHECK (boundary IS NULL OR ST_IsValid(boundary))
);
CREATE INDEX enterprise_location_gix ON enterprise USING gist (location);
CREATE INDEX enterprise_boundary_gix ON enterprise USING gist (boundary);
CREATE INDEX enterprise_region_idx ON enterprise (region_id);
CREATE INDEX enterprise_industry_idx ON enterprise (industry);

-- ---------------------------------------------------------------------------------------------
-- Areas: plant -> workshop -> unit/post (plus other buildings) of one enterprise
-- ---------------------------------------------------------------------------------------------
CREATE TABLE area (
    id            serial PRIMARY KEY,
    enterprise_id int NOT NULL REFERENCES enterprise (id) ON DELETE CASCADE,
    parent_id     int REFERENCES area (id) ON DELETE CASCADE,
    kind          area_kind NOT NULL,
    code          text NOT NULL,
    name          text NOT NULL CHECK (length(btrim(name)) > 0),
    floor         smallint NOT NULL DEFAULT 1,
    headcount     int CHECK (headcount >= 0),      -- 岗位人数
    equipment     text,                             -- 主要设备设施
    activities    text,                             -- 主要作业活动
    geom          geometry(MultiPolygon, 4326) NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (enterprise_id, code),
    CHECK (ST_IsValid(geom)),
    CHECK ((kind = 'plant') = (parent_id IS NULL))
);
CREATE INDEX area_geom_gix ON area USING gist (geom);
CREATE INDEX area_enterprise_idx ON area (enterprise_id);
CREATE INDEX area_parent_idx ON area (parent_id);

-- ---------------------------------------------------------------------------------------------
-- Risks: one identified risk of an area
-- ---------------------------------------------------------------------------------------------
CREATE TABLE risk (
    id                serial PRIMARY KEY,
    area_id           int NOT NULL REFERENCES area (id) ON DELETE CASCADE,
    code              text,                         -- 风险编号 within the enterprise
    name              text NOT NULL,                -- 风险点 / 作业活动
    hazard_factors    text NOT NULL,                -- 主要危险有害因素
    causes            text,                         -- 可能导致事故的原因
    consequences      text,                         -- 可能导致的后果
    accident_type     smallint NOT NULL REFERENCES accident_type (code),
    method            assessment_method NOT NULL,
    inputs            jsonb NOT NULL DEFAULT '{}'::jsonb,
    score             numeric,
    profile           text NOT NULL DEFAULT 'default',
    profile_version   int NOT NULL DEFAULT 1,
    inherent_level    risk_level NOT NULL,
    residual_level    risk_level NOT NULL,
    control_tier      control_tier NOT NULL,
    responsible       text,                         -- 责任人
    responsible_phone text,
    responsible_unit  text,                         -- 责任单位
    check_content     text,                         -- 排查内容
    check_period      check_period NOT NULL DEFAULT 'daily',
    assessed_at       date NOT NULL DEFAULT current_date,
    assessed_by       text,
    basis             text,                         -- 判定依据
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT risk_residual_le_inherent CHECK (residual_level <= inherent_level),
    CONSTRAINT risk_direct_needs_basis CHECK (method <> 'direct' OR length(btrim(coalesce(basis, ''))) > 0)
);
CREATE INDEX risk_area_idx ON risk (area_id);

CREATE TABLE control_measure (
    risk_id     int NOT NULL REFERENCES risk (id) ON DELETE CASCADE,
    position    smallint NOT NULL,
    kind        control_kind NOT NULL,
    description text NOT NULL CHECK (length(btrim(description)) > 0),
    PRIMARY KEY (risk_id, position)
);

-- ---------------------------------------------------------------------------------------------
-- Hidden hazards (隐患) and their closed loop
-- ---------------------------------------------------------------------------------------------
CREATE TABLE hidden_hazard (
    id                   serial PRIMARY KEY,
    enterprise_id        int NOT NULL REFERENCES enterprise (id) ON DELETE CASCADE,
    area_id              int REFERENCES area (id) ON DELETE SET NULL,
    location             geometry(Point, 4326),
    description          text NOT NULL CHECK (length(btrim(description)) > 0),
    grade                hazard_grade NOT NULL,
    status               hazard_status NOT NULL DEFAULT 'reported',
    found_at             timestamptz NOT NULL DEFAULT now(),
    found_by             text NOT NULL,
    deadline             date,
    -- 五落实: 措施, 责任, 资金, 时限 (deadline), 预案
    measures             text,
    responsible_dept     text,
    responsible_person   text,
    funds_yuan           numeric CHECK (funds_yuan >= 0),
    emergency_plan       text,
    stop_work            boolean NOT NULL DEFAULT false,
    supervised           boolean NOT NULL DEFAULT false,   -- 挂牌督办
    rectifier            text,
    rectified_at         timestamptz,
    verified_by          text,
    verified_at          timestamptz,
    verify_result        text,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (location IS NULL OR ST_IsValid(location)),
    CONSTRAINT hidden_hazard_reviewer_differs CHECK (verified_by IS NULL OR rectifier IS NULL OR verified_by <> rectifier),
    CONSTRAINT hidden_hazard_closed_verified CHECK (status <> 'closed' OR verified_by IS NOT NULL)
);
CREATE INDEX hidden_hazard_enterprise_idx ON hidden_hazard (enterprise_id);
CREATE INDEX hidden_hazard_area_idx ON hidden_hazard (area_id);
CREATE INDEX hidden_hazard_location_gix ON hidden_hazard USING gist (location);

CREATE TABLE hidden_hazard_photo (
    id               serial PRIMARY KEY,
    hidden_hazard_id int NOT NULL REFERENCES hidden_hazard (id) ON DELETE CASCADE,
    stage            hazard_status NOT NULL,
    content_type     text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    data             bytea NOT NULL,
    taken_at         timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Major hazard sources (GB 18218-2018) and their chemical inventories
-- ---------------------------------------------------------------------------------------------
CREATE TABLE chemical (
    id          serial PRIMARY KEY,
    name_zh     text NOT NULL UNIQUE,
    name_en     text,
    cas         text,
    critical_t  numeric NOT NULL CHECK (critical_t > 0),   -- 临界量 Q (t)
    beta        numeric NOT NULL CHECK (beta > 0),         -- 校正系数 β
    category    text                                       -- GB 18218 表2 category, if not named in 表1
);
-- GB 18218-2018 表1 (a selection; DOMAIN.md §5). β per DOMAIN.md §5 (毒性气体 by name, else category).
INSERT INTO chemical (name_zh, name_en, cas, critical_t, beta, category) VALUES
 ('氨', 'Ammonia', '7664-41-7', 10, 2, 'J2'),
 ('氯', 'Chlorine', '7782-50-5', 5, 4, 'J1'),
 ('硫化氢', 'Hydrogen sulfide', '7783-06-4', 5, 5, 'J1'),
 ('二氧化硫', 'Sulfur dioxide', '7446-09-5', 20, 2, 'J2'),
 ('氯化氢', 'Hydrogen chloride', '7647-01-0', 20, 3, 'J2'),
 ('光气', 'Phosgene', '75-44-5', 0.3, 20, 'J1'),
 ('氰化氢', 'Hydrogen cyanide', '74-90-8', 1, 10, 'J1'),
 ('氟化氢', 'Hydrogen fluoride', '7664-39-3', 1, 5, 'J1'),
 ('环氧乙烷', 'Ethylene oxide', '75-21-8', 10, 2, 'W2'),
 ('煤气(CO,CO和H2、CH4的混合物等)', 'Town gas', NULL, 20, 2, 'J2'),
 ('氢', 'Hydrogen', '1333-74-0', 5, 1.5, 'W2'),
 ('甲烷,天然气', 'Methane, natural gas', '74-82-8', 50, 1.5, 'W2'),
 ('液化石油气', 'Liquefied petroleum gas', '68476-85-7', 50, 1.5, 'W2'),
 ('乙炔', 'Acetylene', '74-86-2', 1, 1.5, 'W2'),
 ('苯', 'Benzene', '71-43-2', 50, 1, 'W5.3'),
 ('甲苯', 'Toluene', '108-88-3', 500, 1, 'W5.3'),
 ('甲醇', 'Methanol', '67-56-1', 500, 1, 'W5.3'),
 ('乙醇', 'Ethanol', '64-17-5', 500, 1, 'W5.3'),
 ('汽油(乙醇汽油、甲醇汽油)', 'Gasoline', '86290-81-5', 200, 1, 'W5.3'),
 ('丙酮', 'Acetone', '67-64-1', 500, 1, 'W5.3'),
 ('乙醚', 'Diethyl ether', '60-29-7', 10, 1.5, 'W5.1');

CREATE TABLE hazard_source (
    id            serial PRIMARY KEY,
    enterprise_id int NOT NULL REFERENCES enterprise (id) ON DELETE CASCADE,
    area_id       int REFERENCES area (id) ON DELETE SET NULL,
    code          text NOT NULL,
    name          text NOT NULL,
    kind          text NOT NULL DEFAULT 'storage' CHECK (kind IN ('storage', 'production')),
    location      geometry(Point, 4326) NOT NULL,
    boundary      geometry(MultiPolygon, 4326),
    registered_at date,
    UNIQUE (enterprise_id, code),
    CHECK (ST_IsValid(location)),
    CHECK (boundary IS NULL OR ST_IsValid(boundary))
);
CREATE INDEX hazard_source_location_gix ON hazard_source USING gist (location);
CREATE INDEX hazard_source_boundary_gix ON hazard_source USING gist (boundary);
CREATE INDEX hazard_source_enterprise_idx ON hazard_source (enterprise_id);

CREATE TABLE hazard_source_inventory (
    hazard_source_id int NOT NULL REFERENCES hazard_source (id) ON DELETE CASCADE,
    chemical_id      int NOT NULL REFERENCES chemical (id),
    quantity_t       numeric NOT NULL CHECK (quantity_t >= 0),   -- 最大存在量 q (t)
    PRIMARY KEY (hazard_source_id, chemical_id)
);

-- ---------------------------------------------------------------------------------------------
-- Emergency resources, protection targets, roads
-- ---------------------------------------------------------------------------------------------
CREATE TABLE emergency_resource (
    id            serial PRIMARY KEY,
    kind          resource_kind NOT NULL,
    name          text NOT NULL,
    capacity      int CHECK (capacity >= 0),   -- people (shelter), beds (hospital), crew (station/team)
    address       text,
    phone         text,
    region_id     int REFERENCES region (id),
    geom          geometry(Point, 4326) NOT NULL,
    CHECK (ST_IsValid(geom))
);
CREATE INDEX emergency_resource_geom_gix ON emergency_resource USING gist (geom);

CREATE TABLE protection_target (
    id            serial PRIMARY KEY,
    kind          target_kind NOT NULL,
    name          text NOT NULL,
    population    int NOT NULL CHECK (population >= 0),
    region_id     int REFERENCES region (id),
    geom          geometry(Point, 4326) NOT NULL,
    footprint     geometry(MultiPolygon, 4326),
    CHECK (ST_IsValid(geom)),
    CHECK (footprint IS NULL OR ST_IsValid(footprint))
);
CREATE INDEX protection_target_geom_gix ON protection_target USING gist (geom);
CREATE INDEX protection_target_footprint_gix ON protection_target USING gist (footprint);

CREATE TABLE road (
    id        serial PRIMARY KEY,
    name      text,
    class     road_class NOT NULL,
    oneway    boolean NOT NULL DEFAULT false,
    speed_kmh numeric NOT NULL CHECK (speed_kmh > 0),
    geom      geometry(LineString, 4326) NOT NULL,
    length_m  double precision GENERATED ALWAYS AS (ST_Length(geom::geography)) STORED,
    CHECK (ST_IsValid(geom))
);
CREATE INDEX road_geom_gix ON road USING gist (geom);

-- ---------------------------------------------------------------------------------------------
-- Accounts and audit (痕迹化)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE app_user (
    id            serial PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{3,64}$'),
    display_name  text,
    password_hash text NOT NULL,
    role          user_role NOT NULL,
    region_id     int REFERENCES region (id),
    enterprise_id int REFERENCES enterprise (id) ON DELETE CASCADE,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'regulator' OR region_id IS NOT NULL),
    CHECK (role <> 'enterprise' OR enterprise_id IS NOT NULL)
);

CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    table_name text NOT NULL,
    row_id     text,
    action     text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'BULK')),
    before     jsonb,
    after      jsonb,
    note       text
);
CREATE INDEX audit_log_table_row_idx ON audit_log (table_name, row_id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Who is writing: set per transaction with SET LOCAL riskatlas.actor = '...'.
-- Bulk loads set riskatlas.bulk = 'on' and record one BULK row instead of one row per record.
CREATE FUNCTION ra_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    who text := coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text);
BEGIN
    IF current_setting('riskatlas.bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (actor, table_name, row_id, action, after)
        VALUES (who, TG_TABLE_NAME, (to_jsonb(NEW) ->> 'id'), TG_OP, to_jsonb(NEW) - 'data');
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (actor, table_name, row_id, action, before, after)
        VALUES (who, TG_TABLE_NAME, (to_jsonb(NEW) ->> 'id'), TG_OP,
                to_jsonb(OLD) - 'data', to_jsonb(NEW) - 'data');
    ELSE
        INSERT INTO audit_log (actor, table_name, row_id, action, before)
        VALUES (who, TG_TABLE_NAME, (to_jsonb(OLD) ->> 'id'), TG_OP, to_jsonb(OLD) - 'data');
    END IF;
    RETURN NULL;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Checks at the door
-- ---------------------------------------------------------------------------------------------

-- Tolerance for "a unit lies inside its workshop inside its plant": 0.5 m, in degrees at the equator
-- (a little stricter than 0.5 m east-west at Chinese latitudes).
CREATE FUNCTION ra_nesting_tolerance_deg() RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$ SELECT 0.5 / 111320.0 $$;

CREATE FUNCTION ra_area_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p record;
BEGIN
    PERFORM ra_check_geometry('area', 'geom', NEW.geom);
    IF NEW.parent_id IS NOT NULL THEN
        SELECT id, kind, enterprise_id, geom, name INTO p FROM area WHERE id = NEW.parent_id;
        IF p.enterprise_id <> NEW.enterprise_id THEN
            RAISE EXCEPTION '区域 % 的上级区域 % 属于其他企业 (parent area belongs to another enterprise)',
                NEW.code, NEW.parent_id USING ERRCODE = '23514';
        END IF;
        IF NOT (
            (NEW.kind IN ('workshop', 'building') AND p.kind = 'plant') OR
            (NEW.kind IN ('unit', 'post') AND p.kind = 'workshop') OR
            (NEW.kind = 'post' AND p.kind = 'unit')
        ) THEN
            RAISE EXCEPTION '区域 %(%) 不能位于 %(%) 之下 (a % cannot be inside a %)',
                NEW.code, NEW.kind, p.name, p.kind, NEW.kind, p.kind USING ERRCODE = '23514';
        END IF;
        IF NOT ST_CoveredBy(NEW.geom, p.geom)
           AND NOT ST_CoveredBy(NEW.geom, ST_Buffer(p.geom, ra_nesting_tolerance_deg())) THEN
            RAISE EXCEPTION '区域 % 超出上级区域 % 的范围 % m² (area % is not inside its parent %)',
                NEW.code, p.name,
                round(ST_Area(ST_Difference(NEW.geom, p.geom)::geography)::numeric, 1),
                NEW.code, p.name USING ERRCODE = '23514';
        END IF;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER area_check BEFORE INSERT OR UPDATE ON area FOR EACH ROW EXECUTE FUNCTION ra_area_check();

CREATE FUNCTION ra_region_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ra_check_geometry('region', 'geom', NEW.geom);
    RETURN NEW;
END $$;
CREATE TRIGGER region_check BEFORE INSERT OR UPDATE ON region FOR EACH ROW EXECUTE FUNCTION ra_region_check();

CREATE FUNCTION ra_enterprise_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT uscc_valid(NEW.uscc) THEN
        RAISE EXCEPTION '统一社会信用代码 % 无效: 应为18位且校验码正确 (invalid unified social credit code)', NEW.uscc
            USING ERRCODE = '23514';
    END IF;
    PERFORM ra_check_geometry('enterprise', 'location', NEW.location);
    PERFORM ra_check_geometry('enterprise', 'boundary', NEW.boundary);
    IF NOT EXISTS (SELECT 1 FROM region r WHERE r.id = NEW.region_id AND ST_Intersects(r.geom, NEW.location)) THEN
        RAISE EXCEPTION '企业 % 的位置不在其所属区域 % 内 (enterprise location is outside its region)',
            NEW.name, NEW.region_id USING ERRCODE = '23514';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER enterprise_check BEFORE INSERT OR UPDATE ON enterprise FOR EACH ROW EXECUTE FUNCTION ra_enterprise_check();

CREATE FUNCTION ra_point_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    col text := TG_ARGV[0];
    g geometry;
BEGIN
    EXECUTE format('SELECT ($1).%I', col) INTO g USING NEW;
    PERFORM ra_check_geometry(TG_TABLE_NAME, col, g);
    RETURN NEW;
END $$;
CREATE TRIGGER hidden_hazard_check BEFORE INSERT OR UPDATE ON hidden_hazard
    FOR EACH ROW EXECUTE FUNCTION ra_point_check('location');
CREATE TRIGGER hazard_source_check BEFORE INSERT OR UPDATE ON hazard_source
    FOR EACH ROW EXECUTE FUNCTION ra_point_check('location');
CREATE TRIGGER emergency_resource_check BEFORE INSERT OR UPDATE ON emergency_resource
    FOR EACH ROW EXECUTE FUNCTION ra_point_check('geom');
CREATE TRIGGER protection_target_check BEFORE INSERT OR UPDATE ON protection_target
    FOR EACH ROW EXECUTE FUNCTION ra_point_check('geom');
CREATE TRIGGER road_check BEFORE INSERT OR UPDATE ON road
    FOR EACH ROW EXECUTE FUNCTION ra_point_check('geom');

CREATE FUNCTION ra_risk_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.residual_level > NEW.inherent_level THEN
        RAISE EXCEPTION '风险 % 的现有风险等级(%)高于固有风险等级(%) (residual level above inherent level)',
            NEW.name, NEW.residual_level, NEW.inherent_level USING ERRCODE = '23514';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER risk_touch BEFORE INSERT OR UPDATE ON risk FOR EACH ROW EXECUTE FUNCTION ra_risk_touch();

CREATE TRIGGER enterprise_audit AFTER INSERT OR UPDATE OR DELETE ON enterprise FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER area_audit AFTER INSERT OR UPDATE OR DELETE ON area FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER risk_audit AFTER INSERT OR UPDATE OR DELETE ON risk FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER hidden_hazard_audit AFTER INSERT OR UPDATE OR DELETE ON hidden_hazard FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER hazard_source_audit AFTER INSERT OR UPDATE OR DELETE ON hazard_source FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER region_audit AFTER INSERT OR UPDATE OR DELETE ON region FOR EACH ROW EXECUTE FUNCTION ra_audit();

-- ---------------------------------------------------------------------------------------------
-- Levels (first slice): each area's inherent and residual level rolled up 从严从高 from the risks
-- of the area and of every area below it. The Risk engine issue replaces this with maintained
-- levels and the dynamic rules; readers only rely on the view's columns.
-- ---------------------------------------------------------------------------------------------
CREATE VIEW area_level AS
WITH RECURSIVE up (area_id, ancestor_id) AS (
    SELECT id, id FROM area
    UNION ALL
    SELECT up.area_id, a.parent_id FROM up JOIN area a ON a.id = up.ancestor_id WHERE a.parent_id IS NOT NULL
)
SELECT x.id AS area_id,
       max(r.inherent_level) AS inherent_level,
       max(r.residual_level) AS residual_level,
       count(r.id) AS risk_count
FROM area x
LEFT JOIN up ON up.ancestor_id = x.id
LEFT JOIN risk r ON r.area_id = up.area_id
GROUP BY x.id;

CREATE VIEW enterprise_level AS
SELECT e.id AS enterprise_id,
       max(al.inherent_level) AS inherent_level,
       max(al.residual_level) AS residual_level
FROM enterprise e
LEFT JOIN area a ON a.enterprise_id = e.id AND a.kind = 'plant'
LEFT JOIN area_level al ON al.area_id = a.id
GROUP BY e.id;
