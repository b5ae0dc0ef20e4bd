-- The audit trigger of tables with a composite key (hazard_source_inventory, the safety-distance
-- overrides, the GB 18218 tables) wrote its row without the enterprise it belongs to and as the
-- calling user. Row-level security on audit_log (0010) only lets an enterprise user write rows of
-- their own enterprise, so an enterprise user's inventory edit was refused, and an admin's showed
-- in no enterprise's audit view. Same owner lookup as ra_audit(), run as the definer.
CREATE OR REPLACE FUNCTION ra_audit_keyed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    who text := coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text);
    rec jsonb;
    key text;
    ent int;
BEGIN
    IF current_setting('riskatlas.bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    rec := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
    SELECT string_agg(rec ->> a, '/' ORDER BY o) INTO key FROM unnest(TG_ARGV) WITH ORDINALITY AS k(a, o);
    IF rec ? 'hazard_source_id' THEN
        SELECT enterprise_id INTO ent FROM hazard_source WHERE id = (rec ->> 'hazard_source_id')::int;
    END IF;
    INSERT INTO audit_log (actor, table_name, row_id, action, before, after, enterprise_id)
    VALUES (who, TG_TABLE_NAME, key, TG_OP,
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END, ent);
    RETURN NULL;
END $$;

-- Earlier inventory and safety-distance rows get their enterprise.
UPDATE audit_log l SET enterprise_id = hs.enterprise_id
FROM hazard_source hs
WHERE l.enterprise_id IS NULL AND l.table_name IN ('hazard_source_inventory', 'hazard_source_safety_distance')
  AND hs.id = split_part(l.row_id, '/', 1)::int;
