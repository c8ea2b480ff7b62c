"""Email reports: weekly and monthly reports and traffic-spike notices per user and site (docs/EMAIL.md).

- smtp.py: the `smtp_url` setting parsed once, and one message sent with the standard library;
- periods.py: which week or month is due, at 08:00 in the site's timezone;
- store.py: the subscriptions and the sends ledger (accounts tables, DuckDB file or PostgreSQL);
- content.py: the report's figures from the stats engine, as an HTML and a plain-text part;
- scheduler.py: the thread `serve` runs, which claims a period before sending it.
"""
