-- referrers: visitors per (referrer_source, referring host); the host is NULL for direct traffic.
SELECT referrer_source, referrer_host AS referrer, count(DISTINCT visitor_hash) AS visitors
FROM fpv
GROUP BY referrer_source, referrer_host
ORDER BY visitors DESC, referrer_source ASC, referrer ASC NULLS FIRST
LIMIT $limit
