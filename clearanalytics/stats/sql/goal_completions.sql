-- goal_completions: one goal's completions in range, newest first, with the total count.
SELECT c.id, c.goal_id, c.visitor_hash, c.pageview_id, c.created_at, count(*) OVER () AS total
FROM goal_completions c
JOIN ranges r ON c.site_id = r.site_id
WHERE c.goal_id = $goal_id AND c.created_at >= r.range_start AND c.created_at < r.range_end
ORDER BY c.created_at DESC, c.id DESC
LIMIT $limit
