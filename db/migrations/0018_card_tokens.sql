-- Public notification cards are reached by an unguessable token, not by the area's sequential id.
--
-- The QR code on a printed 岗位安全风险告知卡 opened /cards/<area id>: anyone could walk the ids and
-- collect every enterprise's posts, responsible people and phone numbers. Now every area has a random
-- token (22 characters of base64url over gen_random_uuid(), built into PostgreSQL 13+ and drawn from
-- the strong random source; no pgcrypto needed), the public URL is /cards/<token>, and an enterprise
-- re-issues a token when a card has leaked, which ends the old one.
--
-- The tokens live in a table of their own rather than a column of area: re-issuing one does not
-- renew the area's row version (xmin, the ETag of its REST edits) nor log the area as changed.
-- Every area gets one (not only the kinds that carry a card), so a change of kind never leaves a
-- card without a token; the public page answers only for the kinds that carry a card.

CREATE FUNCTION ra_new_card_token() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT rtrim(translate(encode(uuid_send(gen_random_uuid()), 'base64'), '+/', '-_'), '=')
$$;

CREATE TABLE card_token (
    area_id    int PRIMARY KEY REFERENCES area (id) ON DELETE CASCADE,
    token      text NOT NULL UNIQUE DEFAULT ra_new_card_token() CHECK (token ~ '^[A-Za-z0-9_-]{22}$'),
    issued_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO card_token (area_id) SELECT id FROM area;

-- New areas get their token in the statement that creates them (one INSERT per statement, so a
-- bulk load pays once). Run as the definer: the token belongs to the area whoever drew it.
CREATE FUNCTION ra_card_token_for_new_areas() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    INSERT INTO card_token (area_id) SELECT id FROM new_areas ON CONFLICT (area_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER area_card_token AFTER INSERT ON area
    REFERENCING NEW TABLE AS new_areas FOR EACH STATEMENT EXECUTE FUNCTION ra_card_token_for_new_areas();

-- Re-issuing is recorded in the enterprise's audit trail (the enterprise found through area_id).
CREATE TRIGGER card_token_audit AFTER UPDATE ON card_token
    FOR EACH ROW EXECUTE FUNCTION ra_audit();

-- Who sees and changes a token: whoever sees the area (the writers of its enterprise re-issue it);
-- regulators read it (they may print the cards of their jurisdiction) but do not change it.
ALTER TABLE card_token ENABLE ROW LEVEL SECURITY;
CREATE POLICY jurisdiction ON card_token
    USING ((SELECT ra_scope_sees_all()) OR EXISTS (SELECT 1 FROM area a WHERE a.id = card_token.area_id));
CREATE POLICY regulator_reads_only_insert ON card_token AS RESTRICTIVE FOR INSERT
    WITH CHECK (ra_scope_role() <> 'regulator');
CREATE POLICY regulator_reads_only_update ON card_token AS RESTRICTIVE FOR UPDATE
    USING (ra_scope_role() <> 'regulator');
CREATE POLICY regulator_reads_only_delete ON card_token AS RESTRICTIVE FOR DELETE
    USING (ra_scope_role() <> 'regulator');

-- Personal mobile numbers on the public card page are masked (138****5678) unless the enterprise
-- chooses to publish them; landlines and the public emergency numbers always show.
ALTER TABLE enterprise ADD COLUMN card_publish_mobile boolean NOT NULL DEFAULT false;
