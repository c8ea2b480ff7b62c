"""A write that lost a race on PostgreSQL, told as the accounts code tells a duplicate.

On the DuckDB file every write waits for one lock, so `create_tenant`'s look-up before its
insert is enough. On PostgreSQL two nodes (or two threads) may both look, find nothing and
insert; the UNIQUE constraint stops the second, and this turns psycopg's UniqueViolation into
the AccountError the first check would have raised, so the CLI and the API answer the same
one line / 4xx whichever way the duplicate was caught.
"""

from __future__ import annotations

import re

from clearanalytics.accounts import AccountError

# constraint -> (field, message with the duplicate value); PostgreSQL names them <table>_<column>_key.
_DUPLICATES = {
    "tenants_slug_key": ("tenant", "tenant {!r} already exists"),
    "sites_domain_key": ("domain", "site {!r} already exists"),
    "users_email_key": ("email", "user {!r} already exists"),
}
_KEY_VALUE = re.compile(r"\)=\((.*)\) already exists")


def as_account_error(exc: Exception) -> AccountError | None:
    """The AccountError a UniqueViolation on a known constraint means, or None to let it through."""
    diag = getattr(exc, "diag", None)
    known = _DUPLICATES.get(getattr(diag, "constraint_name", None) or "")
    if known is None:
        return None
    found = _KEY_VALUE.search(getattr(diag, "message_detail", None) or "")
    field, message = known
    return AccountError(field, message.format(found.group(1) if found else "?"))
