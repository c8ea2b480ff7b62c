-- channels: unique visitors and pageviews per channel (direct, organic, social, referral, email, paid).
SELECT channel, count(DISTINCT visitor_hash) AS visitors, count(*) AS pageviews
FROM fpv
GROUP BY channel
