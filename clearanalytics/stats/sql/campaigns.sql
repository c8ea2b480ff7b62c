-- campaigns: visitors and pageviews per (utm_source, utm_medium, utm_campaign), tagged traffic only.
SELECT utm_source, utm_medium, utm_campaign,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM fpv
WHERE utm_source IS NOT NULL OR utm_medium IS NOT NULL OR utm_campaign IS NOT NULL
GROUP BY utm_source, utm_medium, utm_campaign
ORDER BY visitors DESC, utm_source ASC NULLS LAST, utm_medium ASC NULLS LAST, utm_campaign ASC NULLS LAST
LIMIT $limit
