-- goal_completions: one goal's newest completions in the ranges given (stats/conversions.py widens
-- them from the end of the period until a page is full); the scan bounds let DuckDB skip older row groups.
SELECT c.id, c.goal_id, c.visitor_hash, c.pageview_id, c.created_at
FROM goal_completions c
JOIN ranges r ON c.site_id = r.site_id
WHERE c.goal_id = $goal_id AND c.created_at >= r.range_start AND c.created_at < r.range_end
  AND c.created_at >= $scan_from AND c.created_at < $scan_to
ORDER BY c.created_at DESC, c.id DESC
LIMIT $limit
