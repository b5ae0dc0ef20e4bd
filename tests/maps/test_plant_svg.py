"""The console's SVG plant: every area drawn, an area without risks as 未评估."""

from __future__ import annotations

import re

from layers.levels import PALETTE
from layers.plant import plant_areas
from maps.plant_svg import plant_svg


def test_a_post_without_risks_is_drawn_as_unassessed(conn):
    with conn.cursor() as cur:
        cur.execute("""INSERT INTO area (enterprise_id, parent_id, kind, code, name, headcount, geom)
                       SELECT enterprise_id, id, 'post', 'NO-RISK', '新岗位 <尚未评估>', 1, geom FROM area
                       WHERE enterprise_id = 1 AND kind = 'workshop' ORDER BY id LIMIT 1 RETURNING id""")
        aid = cur.fetchone()[0]
    areas = plant_areas(conn, 1, "current")
    svg = plant_svg(areas, title="华铝")
    path = re.search(rf'<path class="area area-post" data-area-id="{aid}" data-level="([a-z]+)" fill="([^"]+)"', svg)
    assert path is not None and path.group(1) == "unassessed" and path.group(2) == PALETTE.colour(None)
    assert "新岗位 &lt;尚未评估&gt; 未评估" in svg
    assert svg.count('<path class="area') == len(areas)
