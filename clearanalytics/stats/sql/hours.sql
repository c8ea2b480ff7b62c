-- hours: unique visitors and pageviews per hour of day (0-23) in each event's own site's timezone.
SELECT {local_hour} AS hour, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM fpv
GROUP BY hour
