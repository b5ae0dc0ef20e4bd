-- Statements of hazard_source.py, loaded once by db.sql.statements(__file__).

-- name: list
SELECT hs.id, hs.code, hs.name, hs.kind, hs.enterprise_id, e.name AS enterprise_name, e.region_id, hs.area_id,
       st.s_value::float AS s_value, st.beta_sum::float AS beta_sum, st.population_500m,
       st.alpha::float AS alpha, st.r_value::float AS r_value, st.is_major, st.grade, st.computed_at,
       ST_AsBinary(hs.location) AS geom
FROM hazard_source hs
JOIN enterprise e ON e.id = hs.enterprise_id
LEFT JOIN hazard_source_state st ON st.hazard_source_id = hs.id
WHERE true {cond}
ORDER BY st.grade NULLS LAST, st.r_value DESC NULLS LAST, hs.id

-- name: targets
SELECT t.id, t.name, t.kind::text AS kind, v.name_zh AS kind_zh, t.population,
       least(ST_Distance(t.geom::geography, s.site::geography),
             coalesce(ST_Distance(t.footprint::geography, s.site::geography), 'Infinity'::float8)) AS distance_m,
       ST_DWithin(t.geom::geography, s.site::geography, %(r)s) AS point_within
FROM ra_hazard_source_site(ARRAY[%(id)s]::int[]) s
JOIN protection_target t
  ON (t.geom && ra_expand_m(s.site, %(r)s) OR t.footprint && ra_expand_m(s.site, %(r)s))
 AND (ST_DWithin(t.geom::geography, s.site::geography, %(r)s)
      OR (t.footprint IS NOT NULL AND ST_DWithin(t.footprint::geography, s.site::geography, %(r)s)))
LEFT JOIN vocabulary v ON v.domain = 'target_kind' AND v.code = t.kind::text
ORDER BY distance_m, t.id
