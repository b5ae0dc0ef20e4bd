-- The console's enterprise list is ordered by residual level (most severe first), then id. Without
-- an index in that order a page sorted every visible enterprise and checked each one's areas first:
-- 500 ms for a province regulator at 100,000 enterprises. With it, a page reads its 50 rows in
-- order and stops (2 ms).
CREATE INDEX enterprise_state_residual_order_idx ON enterprise_state (residual_level DESC NULLS LAST, enterprise_id);
