-- overview: visitors, pageviews, sessions, bounces and total session duration.
-- A session counts when it has a pageview matching the filters; its pageview count and
-- duration then cover all of its pageviews in range. It bounces with exactly one pageview
-- and no custom or e-commerce event.
WITH sessions AS (
    SELECT site_id, session_hash, count(*) AS pageviews, sum(duration) AS duration
    FROM spv
    GROUP BY site_id, session_hash
),
active_sessions AS (
    SELECT site_id, session_hash FROM ev
    UNION
    SELECT site_id, session_hash FROM ec
),
session_totals AS (
    SELECT count(*) AS sessions,
           count(*) FILTER (WHERE s.pageviews = 1 AND a.session_hash IS NULL) AS bounces,
           coalesce(sum(s.duration), 0) AS total_duration
    FROM sessions s LEFT JOIN active_sessions a USING (site_id, session_hash)
),
traffic AS (
    SELECT count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews FROM fpv
)
SELECT traffic.visitors, traffic.pageviews, session_totals.sessions, session_totals.bounces,
       session_totals.total_duration
FROM traffic, session_totals
