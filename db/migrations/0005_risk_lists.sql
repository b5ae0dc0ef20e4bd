-- Management-post risk lists (seed 003 附件2 管理岗位风险管控与隐患排查清单).
--
-- Operating posts (附件1) are places: they are `area` rows of kind 'post'/'unit' with geometry, and
-- their risks are `risk` rows. Management posts (安全管理员, 设备管理员, ...) are not places: the
-- spreadsheet gives them no location, and drawing them on the office building would colour that
-- building with the level of a duty, not of a place, and push it into the plant's roll-up. So they
-- live in their own tables, outside the four-colour maps and outside area/enterprise levels.
--
--   management_post               one management post of an enterprise (岗位名称), ordered in the list
--   management_risk               one row of the post's list: 职责分工, 风险等级, 排查内容, 责任人, 排查周期
--   management_control_measure    its 管控措施, typed like control_measure (seed 003 第八条)
--
-- Every change is audited by ra_audit() (0001), like the risk tables.

CREATE TABLE management_post (
    id            serial PRIMARY KEY,
    enterprise_id int NOT NULL REFERENCES enterprise (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(btrim(name)) > 0),   -- 岗位名称
    position      int NOT NULL DEFAULT 0,                          -- order in the list
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (enterprise_id, name)
);
CREATE INDEX management_post_enterprise_idx ON management_post (enterprise_id);

CREATE TABLE management_risk (
    id            serial PRIMARY KEY,
    post_id       int NOT NULL REFERENCES management_post (id) ON DELETE CASCADE,
    position      int NOT NULL,                                    -- order within the post
    duty          text,                                            -- 职责分工
    level         risk_level NOT NULL,                             -- 风险等级
    check_content text,                                            -- 排查内容
    responsible   text,                                            -- 责任人
    check_period  check_period NOT NULL,                           -- 排查周期
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (post_id, position)
);

CREATE TABLE management_control_measure (
    management_risk_id int NOT NULL REFERENCES management_risk (id) ON DELETE CASCADE,
    position           smallint NOT NULL,
    kind               control_kind NOT NULL,
    description        text NOT NULL CHECK (length(btrim(description)) > 0),
    PRIMARY KEY (management_risk_id, position)
);

CREATE TRIGGER management_post_audit AFTER INSERT OR UPDATE OR DELETE ON management_post
    FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER management_risk_audit AFTER INSERT OR UPDATE OR DELETE ON management_risk
    FOR EACH ROW EXECUTE FUNCTION ra_audit();
CREATE TRIGGER management_control_measure_audit AFTER INSERT OR UPDATE OR DELETE ON management_control_measure
    FOR EACH ROW EXECUTE FUNCTION ra_audit();
