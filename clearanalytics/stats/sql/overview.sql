-- overview: visitors, pageviews, sessions, bounces and total session duration.
-- A session counts when it has a pageview matching the filters; its pageview count and
-- duration then cover all of its pageviews in range. It bounces with exactly one pageview
-- and no custom or e-commerce event.
WITH sessions AS (
    SELECT pv.site_id, pv.session_hash, count(*) AS pageviews, sum(pv.duration) AS duration
    FROM pv SEMI JOIN fsessions USING (site_id, session_hash)
    GROUP BY pv.site_id, pv.session_hash
),
active_sessions AS (
    SELECT site_id, session_hash FROM ev
    UNION
    SELECT site_id, session_hash FROM ec
)
SELECT
    (SELECT count(DISTINCT visitor_hash) FROM fpv) AS visitors,
    (SELECT count(*) FROM fpv) AS pageviews,
    (SELECT count(*) FROM sessions) AS sessions,
    (SELECT count(*) FROM sessions s ANTI JOIN active_sessions a USING (site_id, session_hash)
     WHERE s.pageviews = 1) AS bounces,
    (SELECT coalesce(sum(duration), 0) FROM sessions) AS total_duration
