-- languages: unique visitors per language.
SELECT language, count(DISTINCT visitor_hash) AS visitors
FROM fpv
GROUP BY language
ORDER BY visitors DESC, language ASC NULLS LAST
LIMIT $limit
