-- timeseries: visitors and pageviews per bucket (local day of the event's site, or UTC hour for 24h).
SELECT {bucket} AS bucket, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM fpv
GROUP BY bucket
