-- realtime_minutes: visitors and pageviews per UTC minute of the last 30 (stats/realtime.py zero-fills them);
-- `minute` is the minute's index from $window_start (a minute boundary), 0 to 29, in exact integers.
SELECT (epoch_us(created_at) - epoch_us($window_start::TIMESTAMP)) // 60000000 AS minute,
       count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM fpv
GROUP BY minute
