-- The region table's jurisdiction policy, as 0012 did for the others. It still read
-- "id IN (SELECT ra_scope_regions())": every query that touched region built the caller's whole
-- set of visible regions first — for a province regulator 3,562 ids, 20 ms — even to look up one
-- region by id (every request with a region filter does). Now the same rows (a regulator: the
-- subtree of their region and the regions above it; an enterprise user: their enterprise's region
-- and the regions above it; the public: none) by index probes of region_closure, and everyone once
-- ra_scope_sees_all() says so.
DROP POLICY jurisdiction ON region;
CREATE POLICY jurisdiction ON region USING (
    (SELECT ra_scope_sees_all())
    OR (ra_scope_role() = 'regulator' AND (
            EXISTS (SELECT 1 FROM region_closure c WHERE c.region_id = region.id AND c.ancestor_id = ra_scope_region())
         OR EXISTS (SELECT 1 FROM region_closure c WHERE c.region_id = ra_scope_region() AND c.ancestor_id = region.id)))
    OR (ra_scope_role() = 'enterprise' AND EXISTS (
            SELECT 1 FROM enterprise e JOIN region_closure c ON c.region_id = e.region_id
            WHERE e.id = ra_scope_enterprise() AND c.ancestor_id = region.id))
);
