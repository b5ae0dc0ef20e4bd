-- Statements of cards.py, loaded once by db.sql.statements(__file__).

-- name: areas
WITH RECURSIVE chain (area_id, anc_id, depth) AS (
    SELECT a.id, a.id, 0 FROM area a WHERE {where}
    UNION ALL
    SELECT c.area_id, p.id, c.depth + 1
    FROM chain c JOIN area x ON x.id = c.anc_id JOIN area p ON p.id = x.parent_id
)
SELECT a.id, a.code, a.name, a.kind::text, v.name_zh, a.enterprise_id, e.name, a.headcount, a.equipment,
       a.activities, al.inherent_level::text, al.residual_level::text, al.current_level::text,
       e.emergency_phone, e.safety_manager, e.contact_phone, ct.token, e.card_publish_mobile,
       (SELECT string_agg(p.name, '/' ORDER BY c.depth DESC)
          FROM chain c JOIN area p ON p.id = c.anc_id
         WHERE c.area_id = a.id AND c.depth > 0 AND p.kind <> 'plant') AS location,
       (SELECT min(p.code) FROM chain c JOIN area p ON p.id = c.anc_id
         WHERE c.area_id = a.id AND p.kind = 'workshop') AS workshop_code
FROM area a
JOIN enterprise e ON e.id = a.enterprise_id
JOIN area_level al ON al.area_id = a.id
JOIN vocabulary v ON v.domain = 'area_kind' AND v.code = a.kind::text
LEFT JOIN card_token ct ON ct.area_id = a.id
WHERE {where}

-- name: risks
WITH RECURSIVE sub (card_id, area_id) AS (
    SELECT id, id FROM area WHERE id = ANY (%(ids)s)
    UNION ALL
    SELECT s.card_id, a.id FROM sub s JOIN area a ON a.parent_id = s.area_id
)
SELECT s.card_id, r.id, r.area_id, r.name, r.hazard_factors, r.causes, r.consequences, r.accident_type,
       at.name_zh, r.{basis}_level::text, tv.name_zh, r.responsible, r.responsible_phone, r.updated_at
FROM sub s
JOIN risk r ON r.area_id = s.area_id
JOIN accident_type at ON at.code = r.accident_type
JOIN vocabulary tv ON tv.domain = 'control_tier' AND tv.code = r.control_tier::text
ORDER BY s.card_id, r.{basis}_level DESC, r.id
