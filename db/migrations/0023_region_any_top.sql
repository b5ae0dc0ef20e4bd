-- Any region may be the top of a deployment: a district (区县) or a city set up on its own has no
-- parent in the database, as a province never has. 0001 allowed a parentless region only at the
-- province and city levels, so a district could not be started without a fictitious city above it.
-- A province still has no parent.
DO $$
DECLARE
    c text;
BEGIN
    SELECT conname INTO c FROM pg_constraint
    WHERE conrelid = 'region'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%parent_id IS NULL%';
    IF c IS NOT NULL THEN
        EXECUTE format('ALTER TABLE region DROP CONSTRAINT %I', c);
    END IF;
END $$;

ALTER TABLE region ADD CONSTRAINT region_province_is_top CHECK (level <> 'province' OR parent_id IS NULL);
