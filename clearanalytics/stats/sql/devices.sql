-- devices: unique visitors per device_type.
SELECT device_type, count(DISTINCT visitor_hash) AS visitors
FROM fpv
GROUP BY device_type
ORDER BY visitors DESC, device_type ASC NULLS LAST
LIMIT $limit
