-- The default assessment profile's title cited a brief kept outside the project; it now names only the
-- public source of its rules. The title is shown to users; the definition and version are unchanged.
UPDATE assessment_profile
SET title_zh = '默认评价方案 (山东省指导书第七条)'
WHERE name = 'default' AND title_zh LIKE '默认评价方案 (%§3, 山东省指导书第七条)';
