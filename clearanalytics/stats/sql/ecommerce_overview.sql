-- ecommerce_overview: revenue and transactions of site-currency purchases, and the visitors
-- that conversion_rate divides: purchasers over visitors with a pageview.
SELECT
    (SELECT count(DISTINCT visitor_hash) FROM fpv) AS visitors,
    (SELECT coalesce(sum(value), 0) FROM purchases) AS revenue,
    (SELECT count(*) FROM purchases) AS transactions,
    (SELECT count(DISTINCT visitor_hash) FROM purchases) AS purchasers
