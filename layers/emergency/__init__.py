"""Emergency planning overlays (docs/domain.md §6): accident scenarios and their threat zones
(:mod:`.scenarios`), who is inside them (:mod:`.affected`), resources, evacuation routes, fire-station
coverage and external safety distances over the road network (:mod:`.evacuation`). The consequence
models themselves live in :mod:`layers.consequences`."""
