-- The 隐患排查治理 closed loop (seed 003 第十六条–第十八条, seed 001 四.(二).6, DOMAIN.md §4).
--
-- 上报 reported -> 整改中 rectifying -> 待验收 pending_review -> 已闭环 closed, and a failed review
-- (复查不合格) sends a hazard back from 待验收 to 整改中 with its reason.
--
-- The allowed transitions are data: the table hidden_hazard_transition below, with the fields each
-- one requires (for 一般 and for 重大 hazards) and the fields it may set. It lives in SQL, not in
-- Python, because the database must enforce it for every client (trigger ra_hidden_hazard_loop), and
-- layers/hidden_hazards.py reads the same rows to check a request first and explain a refusal: one
-- table, two readers, no copy to drift.
--
-- Also here: the readable history of every transition (hidden_hazard_event, written by a trigger so
-- no client can skip it), the 台账 view with the overdue flag, labels for the fields, and the photo
-- checks (stored content type must match the magic bytes).

-- ---------------------------------------------------------------------------------------------
-- Labels of the fields a transition asks for (shared by the trigger's messages and Python)
-- ---------------------------------------------------------------------------------------------
INSERT INTO vocabulary (domain, code, name_zh, name_en, ord) VALUES
 ('hidden_hazard_field', 'measures', '整改措施', 'measures', 1),
 ('hidden_hazard_field', 'responsible_dept', '责任部门', 'responsible department', 2),
 ('hidden_hazard_field', 'responsible_person', '责任人', 'responsible person', 3),
 ('hidden_hazard_field', 'funds_yuan', '整改资金', 'funds (yuan)', 4),
 ('hidden_hazard_field', 'deadline', '整改期限', 'deadline', 5),
 ('hidden_hazard_field', 'emergency_plan', '应急预案', 'emergency plan', 6),
 ('hidden_hazard_field', 'rectifier', '整改人', 'rectifier', 7),
 ('hidden_hazard_field', 'rectified_at', '整改完成时间', 'rectified at', 8),
 ('hidden_hazard_field', 'verified_by', '复查(验收)人', 'reviewer', 9),
 ('hidden_hazard_field', 'verify_result', '复查结果', 'review result', 10),
 ('hidden_hazard_action', 'report', '上报隐患', 'report', 1),
 ('hidden_hazard_action', 'start', '开始整改', 'start rectification', 2),
 ('hidden_hazard_action', 'submit', '提交验收', 'submit for review', 3),
 ('hidden_hazard_action', 'verify', '验收闭环', 'pass review and close', 4),
 ('hidden_hazard_action', 'reject', '复查不合格退回整改', 'fail review, back to rectification', 5),
 ('hidden_hazard_action', 'import', '按既有状态导入', 'imported in its recorded state', 6);

-- ---------------------------------------------------------------------------------------------
-- The transition table
-- ---------------------------------------------------------------------------------------------
CREATE TABLE hidden_hazard_transition (
    from_status      hazard_status NOT NULL,
    to_status        hazard_status NOT NULL,
    action           text NOT NULL UNIQUE,
    -- fields that must be non-empty once the transition is made, per hazard grade
    requires_general text[] NOT NULL DEFAULT '{}',
    requires_major   text[] NOT NULL DEFAULT '{}',
    -- fields the transition may set (besides status); others are refused by layers
    sets             text[] NOT NULL DEFAULT '{}',
    -- fields the transition clears (a new review after a failed one starts from nothing)
    clears           text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (from_status, to_status),
    CHECK (from_status <> to_status)
);

INSERT INTO hidden_hazard_transition (from_status, to_status, action, requires_general, requires_major, sets, clears)
VALUES
 -- 第十六条: 不能立即整改的要明确责任人、整改措施、整改期限;
 -- 重大隐患: 整改责任、措施、资金、时限和预案 "五落实" (seed 001 四.(二).6, seed 003 第十七条).
 ('reported', 'rectifying', 'start',
  '{measures,responsible_person,deadline}',
  '{measures,responsible_dept,responsible_person,funds_yuan,deadline,emergency_plan}',
  '{measures,responsible_dept,responsible_person,funds_yuan,deadline,emergency_plan}', '{}'),
 ('rectifying', 'pending_review', 'submit',
  '{rectifier}', '{rectifier}',
  '{rectifier,rectified_at,measures,funds_yuan}', '{verified_by,verified_at,verify_result}'),
 -- 第十八条: 验收与评估, 实现闭环; the reviewer differs from the rectifier (DOMAIN.md §4).
 ('pending_review', 'closed', 'verify',
  '{verified_by,verify_result}', '{verified_by,verify_result}',
  '{verified_by,verify_result}', '{}'),
 ('pending_review', 'rectifying', 'reject',
  '{verified_by,verify_result}', '{verified_by,verify_result}',
  '{verified_by,verify_result,deadline}', '{}');

-- "字段名(field)" labels for a list of field codes.
CREATE FUNCTION ra_hh_field_labels(fields text[]) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(coalesce(v.name_zh || '(' || f || ')', f), ', ' ORDER BY f_ord)
    FROM unnest(fields) WITH ORDINALITY AS u (f, f_ord)
    LEFT JOIN vocabulary v ON v.domain = 'hidden_hazard_field' AND v.code = u.f
$$;

-- The fields of ``fields`` that are empty (NULL or blank) in the row ``r``.
CREATE FUNCTION ra_hh_missing(r jsonb, fields text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(f ORDER BY o), '{}')
    FROM unnest(fields) WITH ORDINALITY AS u (f, o)
    WHERE nullif(btrim(r ->> f), '') IS NULL
$$;

-- Everything a hazard in ``status`` must carry: the requirements of every forward transition on the
-- way from 上报 to that status (a failed review is a step back, not on the way).
CREATE FUNCTION ra_hh_requirements(status hazard_status, grade hazard_grade) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(f ORDER BY step, o), '{}')
    FROM (SELECT DISTINCT ON (u.f) u.f, t.to_status AS step, u.o
          FROM hidden_hazard_transition t,
               unnest(CASE WHEN grade = 'major' THEN t.requires_major ELSE t.requires_general END)
                   WITH ORDINALITY AS u (f, o)
          WHERE t.to_status > t.from_status AND t.to_status <= status
          ORDER BY u.f, t.to_status, u.o) x
$$;

-- ---------------------------------------------------------------------------------------------
-- The readable history (痕迹化): one row per report and per transition
-- ---------------------------------------------------------------------------------------------
CREATE TABLE hidden_hazard_event (
    id               bigserial PRIMARY KEY,
    hidden_hazard_id int NOT NULL REFERENCES hidden_hazard (id) ON DELETE CASCADE,
    at               timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor            text NOT NULL,
    action           text NOT NULL,
    from_status      hazard_status,                -- NULL for the report
    to_status        hazard_status NOT NULL,
    note             text
);
CREATE INDEX hidden_hazard_event_hazard_idx ON hidden_hazard_event (hidden_hazard_id, id);

-- History is written once: no edits, and no deletes except with the hazard itself (the foreign
-- key's cascade runs inside a trigger, so pg_trigger_depth() > 1).
CREATE FUNCTION ra_hh_event_readonly() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '隐患处理记录不可修改或删除 (hidden hazard history is append-only): 记录 %', OLD.id
        USING ERRCODE = '23514';
END $$;
CREATE TRIGGER hidden_hazard_event_readonly BEFORE UPDATE OR DELETE ON hidden_hazard_event
    FOR EACH ROW EXECUTE FUNCTION ra_hh_event_readonly();

-- ---------------------------------------------------------------------------------------------
-- The closed loop, enforced for every client
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION ra_hidden_hazard_loop() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    t hidden_hazard_transition;
    missing text[];
    allowed text;
    area_owner int;
    f text;
BEGIN
    -- the area must belong to the hazard's own enterprise
    IF NEW.area_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.area_id IS DISTINCT FROM OLD.area_id
                                    OR NEW.enterprise_id IS DISTINCT FROM OLD.enterprise_id) THEN
        SELECT enterprise_id INTO area_owner FROM area WHERE id = NEW.area_id;
        IF area_owner IS DISTINCT FROM NEW.enterprise_id THEN
            RAISE EXCEPTION '隐患部位: 区域 % 不属于企业 % (area % belongs to another enterprise)',
                NEW.area_id, NEW.enterprise_id, NEW.area_id USING ERRCODE = '23514';
        END IF;
    END IF;

    -- 重大隐患: 挂牌督办 always; 停产停业 from the report until it is closed (seed 003 第十七条)
    IF NEW.grade = 'major' THEN
        NEW.supervised := true;
        IF TG_OP = 'INSERT' OR OLD.grade IS DISTINCT FROM 'major' THEN
            NEW.stop_work := NEW.status <> 'closed';
        END IF;
    END IF;

    IF TG_OP = 'UPDATE' THEN
        IF NEW.status IS DISTINCT FROM OLD.status THEN
            SELECT * INTO t FROM hidden_hazard_transition WHERE from_status = OLD.status AND to_status = NEW.status;
            IF NOT FOUND THEN
                SELECT string_agg(v.name_zh || '(' || x.to_status || ')', ', ' ORDER BY x.to_status) INTO allowed
                FROM hidden_hazard_transition x
                JOIN vocabulary v ON v.domain = 'hazard_status' AND v.code = x.to_status::text
                WHERE x.from_status = OLD.status;
                RAISE EXCEPTION '隐患 % 不能从 %(%) 直接变为 %(%); 允许: % (hidden hazard % cannot go from % to %)',
                    OLD.id,
                    (SELECT name_zh FROM vocabulary WHERE domain = 'hazard_status' AND code = OLD.status::text),
                    OLD.status,
                    (SELECT name_zh FROM vocabulary WHERE domain = 'hazard_status' AND code = NEW.status::text),
                    NEW.status, coalesce(allowed, '无 (none)'), OLD.id, OLD.status, NEW.status
                    USING ERRCODE = '23514';
            END IF;
            -- what the transition clears (the last failed review, when resubmitting)
            FOREACH f IN ARRAY t.clears LOOP
                NEW := jsonb_populate_record(NEW, jsonb_build_object(f, NULL));
            END LOOP;
            IF t.action = 'submit' AND (NEW.rectified_at IS NULL OR NEW.rectified_at IS NOT DISTINCT FROM OLD.rectified_at) THEN
                NEW.rectified_at := now();
            END IF;
            IF t.action IN ('verify', 'reject')
               AND (NEW.verified_at IS NULL OR NEW.verified_at IS NOT DISTINCT FROM OLD.verified_at) THEN
                NEW.verified_at := now();
            END IF;
            missing := ra_hh_missing(to_jsonb(NEW),
                                     CASE WHEN NEW.grade = 'major' THEN t.requires_major ELSE t.requires_general END);
            IF cardinality(missing) > 0 THEN
                RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format(
                    '隐患 %s %s前须填写: %s%s (hidden hazard %s: %s requires %s)',
                    OLD.id,
                    (SELECT name_zh FROM vocabulary WHERE domain = 'hidden_hazard_action' AND code = t.action),
                    ra_hh_field_labels(missing),
                    CASE WHEN NEW.grade = 'major' AND t.action = 'start'
                         THEN '; 重大隐患须五落实: 措施、责任、资金、时限、预案' ELSE '' END,
                    OLD.id, t.action, array_to_string(missing, ', '));
            END IF;
            IF t.action IN ('verify', 'reject') AND btrim(NEW.verified_by) = btrim(coalesce(NEW.rectifier, '')) THEN
                RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format(
                    '隐患 %s 的复查人不能是整改人 %s (hidden_hazard_reviewer_differs: the reviewer must differ from the rectifier)',
                    OLD.id, NEW.rectifier);
            END IF;
        END IF;
        IF OLD.stop_work AND NOT NEW.stop_work AND NEW.status <> 'closed' THEN
            RAISE EXCEPTION '隐患 % 未闭环, 不能解除停产停业 (stop-work may be lifted only when the hazard is closed)',
                OLD.id USING ERRCODE = '23514';
        END IF;
        NEW.updated_at := now();
    END IF;

    -- the row carries everything its status needs (an imported 台账 row, a regraded hazard, an edit)
    missing := ra_hh_missing(to_jsonb(NEW), ra_hh_requirements(NEW.status, NEW.grade));
    IF cardinality(missing) > 0 THEN
        RAISE EXCEPTION '状态为 % 的%缺少: % (a % % hidden hazard needs: %)',
            (SELECT name_zh FROM vocabulary WHERE domain = 'hazard_status' AND code = NEW.status::text),
            (SELECT name_zh FROM vocabulary WHERE domain = 'hazard_grade' AND code = NEW.grade::text),
            ra_hh_field_labels(missing), NEW.status, NEW.grade, array_to_string(missing, ', ')
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER hidden_hazard_loop BEFORE INSERT OR UPDATE ON hidden_hazard
    FOR EACH ROW EXECUTE FUNCTION ra_hidden_hazard_loop();

-- One history row per report and per status change. Who: riskatlas.actor (as the audit trigger);
-- the note: riskatlas.note if the writer set it (consumed here, so it is used once), else the
-- review result for a review.
CREATE FUNCTION ra_hidden_hazard_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    who text := coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text);
    note text := nullif(btrim(coalesce(current_setting('riskatlas.note', true), '')), '');
    act text;
BEGIN
    IF note IS NOT NULL THEN
        PERFORM set_config('riskatlas.note', '', true);
    END IF;
    IF TG_OP = 'INSERT' THEN
        act := CASE WHEN NEW.status = 'reported' THEN 'report' ELSE 'import' END;
        INSERT INTO hidden_hazard_event (hidden_hazard_id, actor, action, from_status, to_status, note)
        VALUES (NEW.id, who, act, NULL, NEW.status, note);
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        SELECT action INTO act FROM hidden_hazard_transition WHERE from_status = OLD.status AND to_status = NEW.status;
        INSERT INTO hidden_hazard_event (hidden_hazard_id, actor, action, from_status, to_status, note)
        VALUES (NEW.id, who, act, OLD.status, NEW.status,
                coalesce(note, CASE WHEN act IN ('verify', 'reject') THEN NEW.verify_result END));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER hidden_hazard_event AFTER INSERT OR UPDATE OF status ON hidden_hazard
    FOR EACH ROW EXECUTE FUNCTION ra_hidden_hazard_event();

-- ---------------------------------------------------------------------------------------------
-- 隐患排查治理台账 (DOMAIN.md §4): one row per hazard, with its labels and the overdue flag
-- overdue = deadline < today and not closed (the same test as the levels rule in 0002).
-- ---------------------------------------------------------------------------------------------
CREATE VIEW hidden_hazard_ledger AS
SELECT h.id, h.enterprise_id, e.name AS enterprise_name, e.region_id, h.area_id,
       a.code AS area_code, a.name AS area_name,
       ST_X(h.location) AS lon, ST_Y(h.location) AS lat,
       h.found_at, h.found_by, h.description,
       h.grade::text AS grade, g.name_zh AS grade_zh,
       h.status::text AS status, s.name_zh AS status_zh,
       h.deadline, h.measures, h.responsible_dept, h.responsible_person, h.funds_yuan, h.emergency_plan,
       h.stop_work, h.supervised, h.rectifier, h.rectified_at, h.verified_by, h.verified_at, h.verify_result,
       h.updated_at,
       coalesce(h.deadline < current_date AND h.status <> 'closed', false) AS overdue,
       CASE WHEN h.deadline < current_date AND h.status <> 'closed' THEN current_date - h.deadline END AS days_overdue,
       (SELECT count(*) FROM hidden_hazard_photo p WHERE p.hidden_hazard_id = h.id)::int AS photo_count
FROM hidden_hazard h
JOIN enterprise e ON e.id = h.enterprise_id
LEFT JOIN area a ON a.id = h.area_id
JOIN vocabulary g ON g.domain = 'hazard_grade' AND g.code = h.grade::text
JOIN vocabulary s ON s.domain = 'hazard_status' AND s.code = h.status::text;

CREATE INDEX hidden_hazard_open_deadline_idx ON hidden_hazard (deadline) WHERE status <> 'closed';
CREATE INDEX hidden_hazard_status_idx ON hidden_hazard (status);

-- ---------------------------------------------------------------------------------------------
-- Photos: the stored content type must be what the magic bytes say (JPEG, PNG, WebP)
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION ra_image_type(data bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE
        WHEN substring(data FROM 1 FOR 3) = '\xffd8ff'::bytea THEN 'image/jpeg'
        WHEN substring(data FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea THEN 'image/png'
        WHEN substring(data FROM 1 FOR 4) = '\x52494646'::bytea
             AND substring(data FROM 9 FOR 4) = '\x57454250'::bytea THEN 'image/webp'
    END
$$;

ALTER TABLE hidden_hazard_photo
    ADD COLUMN uploaded_by text,
    ADD COLUMN caption     text,
    ADD COLUMN byte_size   int GENERATED ALWAYS AS (octet_length(data)) STORED,
    ADD CONSTRAINT hidden_hazard_photo_magic CHECK (ra_image_type(data) IS NOT DISTINCT FROM content_type);
CREATE INDEX hidden_hazard_photo_hazard_idx ON hidden_hazard_photo (hidden_hazard_id, id);
CREATE TRIGGER hidden_hazard_photo_audit AFTER INSERT OR UPDATE OR DELETE ON hidden_hazard_photo
    FOR EACH ROW EXECUTE FUNCTION ra_audit();

-- Rows written before this migration get their history start (one 'import' row each).
INSERT INTO hidden_hazard_event (hidden_hazard_id, at, actor, action, from_status, to_status, note)
SELECT id, found_at, found_by, CASE WHEN status = 'reported' THEN 'report' ELSE 'import' END, NULL, status, NULL
FROM hidden_hazard ORDER BY id;
