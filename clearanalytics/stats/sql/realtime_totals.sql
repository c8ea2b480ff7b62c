-- realtime_totals: unique visitors and pageviews of the whole 30-minute window (not a sum of its minutes).
SELECT count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews FROM fpv
