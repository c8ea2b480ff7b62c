-- browsers: unique visitors per browser.
SELECT browser, count(DISTINCT visitor_hash) AS visitors
FROM fpv
GROUP BY browser
ORDER BY visitors DESC, browser ASC NULLS LAST
LIMIT $limit
