-- site_visitors: unique visitors per site (the denominator of each goal's conversion rate).
SELECT site_id, count(DISTINCT visitor_hash) AS visitors
FROM fpv
GROUP BY site_id
