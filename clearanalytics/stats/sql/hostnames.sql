-- hostnames: unique visitors and pageviews per hostname the pages were served from, most visitors first.
SELECT hostname, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM fpv
GROUP BY hostname
ORDER BY visitors DESC, pageviews DESC, hostname ASC NULLS LAST
LIMIT $limit
