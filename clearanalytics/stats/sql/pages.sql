-- pages: top paths by pageviews; total_duration / pageviews is the path's mean engaged time.
SELECT pathname, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews, sum(duration) AS total_duration
FROM fpv
GROUP BY pathname
ORDER BY pageviews DESC, pathname ASC
LIMIT $limit
