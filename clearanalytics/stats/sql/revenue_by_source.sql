-- revenue_by_source: each purchase goes to the source of its session's entry pageview (the
-- session's first pageview, looked for from a day before the range): utm_source, else
-- referrer_source, else 'direct'. A purchase whose session has no pageview counts as direct.
WITH session_pageviews AS (
    SELECT p.site_id, p.session_hash, p.utm_source, p.referrer_source, p.created_at, p.id
    FROM pageviews p
    JOIN ranges r ON p.site_id = r.site_id
    SEMI JOIN purchases s ON p.site_id = s.site_id AND p.session_hash = s.session_hash
    WHERE p.created_at >= r.range_start - INTERVAL 1 DAY AND p.created_at < r.range_end
),
entries AS (
    SELECT site_id, session_hash,
           coalesce(nullif(utm_source, ''), nullif(referrer_source, ''), 'direct') AS source
    FROM session_pageviews
    QUALIFY row_number() OVER (PARTITION BY site_id, session_hash ORDER BY created_at, id) = 1
)
SELECT coalesce(e.source, 'direct') AS source, sum(p.value) AS revenue, count(*) AS transactions
FROM purchases p
LEFT JOIN entries e ON p.site_id = e.site_id AND p.session_hash = e.session_hash
GROUP BY 1
ORDER BY revenue DESC, source ASC
LIMIT $limit
