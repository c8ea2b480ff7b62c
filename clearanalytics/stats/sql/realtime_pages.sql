-- realtime_pages: the pages of the 30-minute window, most visitors first (ties: pageviews, then the path).
SELECT pathname, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM fpv
GROUP BY pathname
ORDER BY visitors DESC, pageviews DESC, pathname
LIMIT $limit
