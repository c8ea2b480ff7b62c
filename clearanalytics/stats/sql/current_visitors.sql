-- current_visitors: unique visitors with a pageview in the ranges given (the last five minutes).
SELECT count(DISTINCT visitor_hash) AS visitors FROM fpv
