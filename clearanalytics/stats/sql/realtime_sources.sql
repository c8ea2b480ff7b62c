-- realtime_sources: the referrer sources of the 30-minute window, most visitors first (ties as the pages').
SELECT referrer_source AS source, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM fpv
GROUP BY source
ORDER BY visitors DESC, pageviews DESC, source
LIMIT $limit
