"""The combine steps of the countries, regions and cities reports (rollup_sql.COMBINE takes them as they are).

Their daily rows are rollup_dims rows (daily_sql.DIMENSIONS "country", "region", "city"): v1 the country
code, v2 the region, v3 the city. Countries keep NULL (an unknown location, a row of its own); regions and
cities list only the pageviews that have one. Ties as the other breakdowns: visitors, pageviews, then names.
"""

from __future__ import annotations

# report -> (combine SQL over parts_dims, the rollup_dims dimension it reads)
COMBINE: dict[str, tuple[str, str]] = {
    "countries": (
        """
SELECT v1 AS country_code, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'country'
GROUP BY v1
ORDER BY visitors DESC, pageviews DESC, country_code ASC NULLS LAST
LIMIT $limit
""",
        "country",
    ),
    "regions": (
        """
SELECT v1 AS country_code, v2 AS region, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'region'
GROUP BY v1, v2
ORDER BY visitors DESC, pageviews DESC, region ASC, country_code ASC NULLS LAST
LIMIT $limit
""",
        "region",
    ),
    "cities": (
        """
SELECT v1 AS country_code, v2 AS region, v3 AS city, sum(visitors) AS visitors, sum(pageviews) AS pageviews
FROM parts_dims WHERE dimension = 'city'
GROUP BY v1, v2, v3
ORDER BY visitors DESC, pageviews DESC, city ASC, country_code ASC NULLS LAST, region ASC NULLS LAST
LIMIT $limit
""",
        "city",
    ),
}
