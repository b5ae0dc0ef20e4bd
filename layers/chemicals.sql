-- Statements of chemicals.py, loaded once by db.sql.statements(__file__).

-- name: search
SELECT c.id, c.gb_row, c.name_zh, c.name_en, c.cas, c.cas_other, c.aliases, c.category,
       k.class_zh AS category_zh, c.critical_t::float AS critical_t, c.beta::float AS beta, c.beta_from, c.note,
       count(*) OVER () AS total
FROM chemical c LEFT JOIN gb18218_category k ON k.code = c.category
WHERE %(q)s::text IS NULL
   OR lower(normalize(c.name_zh, NFKC)) LIKE %(q)s OR lower(coalesce(c.name_en, '')) LIKE %(q)s
   OR coalesce(c.cas, '') LIKE %(q)s OR lower(normalize(array_to_string(c.aliases, ' '), NFKC)) LIKE %(q)s
   OR array_to_string(c.cas_other, ' ') LIKE %(q)s
ORDER BY c.gb_row NULLS LAST, c.name_zh, c.id
LIMIT %(limit)s OFFSET %(offset)s

-- name: count
SELECT count(*)
FROM chemical c
WHERE %(q)s::text IS NULL
   OR lower(normalize(c.name_zh, NFKC)) LIKE %(q)s OR lower(coalesce(c.name_en, '')) LIKE %(q)s
   OR coalesce(c.cas, '') LIKE %(q)s OR lower(normalize(array_to_string(c.aliases, ' '), NFKC)) LIKE %(q)s
   OR array_to_string(c.cas_other, ' ') LIKE %(q)s

-- name: one
SELECT c.id, c.gb_row, c.name_zh, c.name_en, c.cas, c.cas_other, c.aliases, c.category,
       k.class_zh AS category_zh, c.critical_t::float AS critical_t, c.beta::float AS beta, c.beta_from, c.note
FROM chemical c LEFT JOIN gb18218_category k ON k.code = c.category
WHERE c.id = %(id)s

-- name: insert
INSERT INTO chemical (name_zh, name_en, cas, aliases, category, critical_t, beta, beta_from, note)
SELECT %(name)s, %(name_en)s, %(cas)s, %(aliases)s::text[], code, critical_t, beta, 'table4',
       '按表2类别 ' || code || ' 登记 (entered by category)'
FROM gb18218_category WHERE code = %(category)s
RETURNING id
