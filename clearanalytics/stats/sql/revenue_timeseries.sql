-- revenue_timeseries: revenue and transactions per bucket.
SELECT {bucket} AS bucket, coalesce(sum(value), 0) AS revenue, count(*) AS transactions
FROM purchases
GROUP BY bucket
