-- Statements of plant.py, loaded once by db.sql.statements(__file__).

-- name: enterprise_info
SELECT e.id, e.uscc, e.name, e.industry, i.name_zh, e.scale::text, e.employees, e.address,
       e.region_id, r.name,
       (SELECT d.name FROM region_closure c JOIN region d ON d.id = c.ancestor_id
        WHERE c.region_id = e.region_id AND d.level = 'district' LIMIT 1),
       el.inherent_level::text, el.residual_level::text
FROM enterprise e
JOIN industry i ON i.code = e.industry
JOIN region r ON r.id = e.region_id
JOIN enterprise_level el ON el.enterprise_id = e.id
WHERE e.id = %s

-- name: areas
SELECT a.id, a.parent_id, a.kind::text AS kind, a.code, a.name, a.floor, a.headcount,
       al.inherent_level::text AS inherent_level, al.residual_level::text AS residual_level,
       al.current_level::text AS current_level, al.risk_count, ST_AsBinary(a.geom) AS geom
FROM area a
JOIN area_level al ON al.area_id = a.id
WHERE a.enterprise_id = %s
ORDER BY CASE a.kind WHEN 'plant' THEN 0 WHEN 'building' THEN 1 WHEN 'workshop' THEN 2 ELSE 3 END, a.code

-- name: marks
WITH plant AS (
    SELECT a.geom FROM area a WHERE a.enterprise_id = %(e)s AND a.kind = 'plant'
), fence AS (
    SELECT ST_Union(geom) AS geom FROM plant
)
SELECT 'hazard_source' AS kind, hs.code AS code, hs.name, NULL::text AS grade, NULL::text AS status,
       ST_AsBinary(coalesce(hs.boundary, hs.location)) AS geom
FROM hazard_source hs WHERE hs.enterprise_id = %(e)s
UNION ALL
SELECT CASE h.grade WHEN 'major' THEN 'hazard_major' ELSE 'hazard_general' END, h.id::text, h.description,
       h.grade::text, h.status::text, ST_AsBinary(coalesce(h.location, ST_PointOnSurface(a.geom)))
FROM hidden_hazard h LEFT JOIN area a ON a.id = h.area_id
WHERE h.enterprise_id = %(e)s AND h.status <> 'closed' AND coalesce(h.location, a.geom) IS NOT NULL
UNION ALL
SELECT CASE er.kind WHEN 'shelter' THEN 'assembly_point' ELSE 'rescue' END, er.id::text, er.name, er.kind::text,
       NULL, ST_AsBinary(er.geom)
FROM emergency_resource er JOIN fence f ON ST_Intersects(er.geom, f.geom)
UNION ALL
SELECT DISTINCT ON (ST_AsBinary(v.pt)) 'exit', r.id::text, '厂区出入口', NULL, NULL, ST_AsBinary(v.pt)
FROM fence f JOIN road r ON ST_DWithin(r.geom, f.geom, 0.001)
CROSS JOIN LATERAL (VALUES (ST_StartPoint(r.geom)), (ST_EndPoint(r.geom))) AS v(pt)
WHERE ST_DWithin(v.pt::geography, ST_Boundary(f.geom)::geography, %(gate)s)
UNION ALL
SELECT 'road', r.id::text, coalesce(r.name, ''), r.class::text, NULL,
       ST_AsBinary(ST_Intersection(r.geom, ST_Envelope(ST_Buffer(f.geom::geography, %(pad)s)::geometry)))
FROM fence f JOIN road r ON ST_DWithin(r.geom::geography, f.geom::geography, %(pad)s)
