-- goal_conversions: per goal of the query's sites, completions and unique converting visitors in
-- range (of sessions matching the filters, when there are filters).
WITH completions AS (
    SELECT e.* FROM goal_completions e
    JOIN ranges r ON e.site_id = r.site_id
    WHERE e.created_at >= r.range_start AND e.created_at < r.range_end {session_filter_e}
)
SELECT g.id AS goal_id, count(c.id) AS completions, count(DISTINCT c.visitor_hash) AS visitors
FROM goals g
JOIN ranges r ON g.site_id = r.site_id
LEFT JOIN completions c ON c.goal_id = g.id
GROUP BY g.id
