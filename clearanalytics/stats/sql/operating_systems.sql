-- operating_systems: unique visitors per os.
SELECT os, count(DISTINCT visitor_hash) AS visitors
FROM fpv
GROUP BY os
ORDER BY visitors DESC, os ASC NULLS LAST
LIMIT $limit
