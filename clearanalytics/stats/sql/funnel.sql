-- funnel: unique visitors per e-commerce step in range (purchases only in the site currency).
SELECT event_type, count(DISTINCT visitor_hash) AS visitors
FROM ec
WHERE event_type IN ('view_item', 'add_to_cart', 'begin_checkout')
   OR (event_type = 'purchase' AND in_site_currency)
GROUP BY event_type
