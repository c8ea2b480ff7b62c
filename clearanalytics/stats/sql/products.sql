-- products: revenue (price x quantity), quantity and orders per item name, from the items JSON
-- of site-currency purchases. An item without a name is listed by its item_id; a missing
-- quantity counts as 1; unreadable items JSON is skipped rather than failing the report.
WITH lines AS (
    SELECT id AS purchase_id,
           unnest(try(from_json(items,
               '[{"item_id": "VARCHAR", "item_name": "VARCHAR", "price": "DECIMAL(18,2)", "quantity": "BIGINT"}]'
           ))) AS item
    FROM purchases
),
named AS (
    SELECT purchase_id,
           coalesce(nullif(item.item_name, ''), nullif(item.item_id, '')) AS item_name,
           coalesce(item.price, 0) AS price,
           coalesce(item.quantity, 1) AS quantity
    FROM lines
)
SELECT item_name, sum(price * quantity) AS revenue, sum(quantity) AS quantity,
       count(DISTINCT purchase_id) AS orders
FROM named
WHERE item_name IS NOT NULL
GROUP BY item_name
ORDER BY revenue DESC, item_name ASC
LIMIT $limit
