-- Statements of charts.py, loaded once by db.sql.statements(__file__).

-- name: post
WITH RECURSIVE up (area_id, anc_id, depth) AS (
    SELECT id, id, 0 FROM area WHERE enterprise_id = %(e)s
    UNION ALL
    SELECT up.area_id, p.id, up.depth + 1 FROM up JOIN area x ON x.id = up.anc_id JOIN area p ON p.id = x.parent_id
), target AS (
    SELECT a.id AS area_id,
           CASE WHEN %(by)s = 'post' THEN a.id
                ELSE coalesce((SELECT up.anc_id FROM up JOIN area w ON w.id = up.anc_id
                               WHERE up.area_id = a.id AND w.kind = 'workshop' LIMIT 1),
                              (SELECT up.anc_id FROM up JOIN area w ON w.id = up.anc_id
                               WHERE up.area_id = a.id AND w.kind = 'plant' LIMIT 1), a.id) END AS bar_id
    FROM area a WHERE a.enterprise_id = %(e)s
)
SELECT b.id, b.code, b.name, b.kind::text,
       (SELECT w.code FROM up JOIN area w ON w.id = up.anc_id WHERE up.area_id = b.id AND w.kind = 'workshop'
         LIMIT 1) AS workshop_code,
       count(*) FILTER (WHERE r.{basis}_level = 'major'),
       count(*) FILTER (WHERE r.{basis}_level = 'significant'),
       count(*) FILTER (WHERE r.{basis}_level = 'general'),
       count(*) FILTER (WHERE r.{basis}_level = 'low')
FROM target t
JOIN risk r ON r.area_id = t.area_id
JOIN area b ON b.id = t.bar_id
GROUP BY b.id

-- name: industry
SELECT i.code, i.name_zh,
       count(*) FILTER (WHERE el.{basis}_level = 'major'),
       count(*) FILTER (WHERE el.{basis}_level = 'significant'),
       count(*) FILTER (WHERE el.{basis}_level = 'general'),
       count(*) FILTER (WHERE el.{basis}_level = 'low'),
       count(*) FILTER (WHERE el.{basis}_level IS NULL)
FROM enterprise e
JOIN industry i ON i.code = e.industry
JOIN enterprise_level el ON el.enterprise_id = e.id
WHERE e.region_id IN (SELECT region_id FROM region_descendant WHERE ancestor_id = %s)
GROUP BY i.code, i.name_zh, i.ord
ORDER BY i.ord
