"""Deletion commands: `site remove`, `site reset`, `tenant remove` and `user remove` (clearanalytics.deletion).

Each says what it is about to delete and asks first, unless given --yes. A command forwarded
to a running server cannot ask (nobody is at the server's terminal), so there it needs --yes.
"""

from __future__ import annotations

from pathlib import Path

import click

from clearanalytics import accounts, deletion
from clearanalytics.cli import CliError, data_dir_option, database, in_server, info
from clearanalytics.cli.admin import site, tenant, user
from clearanalytics.storage import store_of

yes_option = click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed while the server runs).")


def _confirm(data_dir: Path, yes: bool, question: str) -> None:
    if yes:
        return
    if in_server(data_dir):
        raise CliError("the running server cannot ask for confirmation: pass --yes to confirm")
    click.confirm(question, abort=True, err=True)


def _site(cur, domain: str) -> accounts.Site:
    found = accounts.get_site(cur, accounts.normalise_domain(domain))
    if found is None:
        raise CliError(f"no site {domain!r}")
    return found


def _report(removal: deletion.Removal) -> None:
    info(f"deleted {removal.total} rows ({removal.describe()})")
    for email in removal.deleted_users:
        info(f"deleted the account of {email}: it belonged to no other tenant")


@site.command("remove")
@data_dir_option
@click.argument("domain")
@yes_option
def site_remove(data_dir: Path, domain: str, yes: bool) -> None:
    """Remove a site and all its data.

    Its goals, events, goal completions, rollups and salts are deleted; events sent for its
    domain are dropped from then on. Asks first, unless given --yes.
    """
    with database(data_dir) as db:
        with db.reading() as cur:
            found = _site(cur, domain)
            planned = deletion.plan_site_removal(cur, found, store_of(db))
        _confirm(data_dir, yes, f"Remove site {found.domain} and all its data ({planned.describe()})?")
        _report(deletion.remove_site(db, found))
    click.echo(f"removed site {found.domain}")


@site.command("reset")
@data_dir_option
@click.argument("domain")
@yes_option
def site_reset(data_dir: Path, domain: str, yes: bool) -> None:
    """Erase a site's stats, keeping the site.

    Its pageviews, events, purchases, goal completions and rollups are deleted; the site, its
    goals and settings stay, and tracking goes on. Asks first, unless given --yes.
    """
    with database(data_dir) as db:
        with db.reading() as cur:
            found = _site(cur, domain)
            planned = deletion.plan_site_reset(cur, found, store_of(db))
        _confirm(data_dir, yes, f"Erase every stat of {found.domain} ({planned.describe()})?")
        _report(deletion.reset_site(db, found))
    click.echo(f"reset the stats of {found.domain}")


@tenant.command("remove")
@data_dir_option
@click.argument("slug")
@yes_option
def tenant_remove(data_dir: Path, slug: str, yes: bool) -> None:
    """Remove a tenant and everything in it.

    Its sites with all their data, its tokens and its memberships are deleted; a member who is in
    no other tenant loses their account. Asks first, unless given --yes.
    """
    with database(data_dir) as db:
        with db.reading() as cur:
            found = accounts.require_tenant(cur, slug)
            planned = deletion.plan_tenant_removal(cur, found, store_of(db))
        _confirm(data_dir, yes, f"Remove tenant {found.slug} and everything in it ({planned.describe()})?")
        _report(deletion.remove_tenant(db, found))
    click.echo(f"removed tenant {found.slug}")


@user.command("remove")
@data_dir_option
@click.argument("email")
@click.option("--tenant", "tenant_slug", required=True, help="Tenant to remove the user from.")
@yes_option
def user_remove(data_dir: Path, email: str, tenant_slug: str, yes: bool) -> None:
    """Remove a user from a tenant.

    Their tokens in that tenant go too; a user left in no tenant is deleted entirely (an account
    exists only as a member). The last owner of a tenant cannot be removed: make another member
    owner first, or remove the tenant. Asks first, unless given --yes.
    """
    with database(data_dir) as db:
        with db.reading() as cur:
            found_tenant = accounts.require_tenant(cur, tenant_slug)
            found_user = accounts.require_user(cur, email)
            planned = deletion.plan_member_removal(cur, found_tenant, found_user, store_of(db))
        what = "and delete the account" if planned.deleted_users else "(the account stays: other tenants)"
        _confirm(data_dir, yes, f"Remove {found_user.email} from {found_tenant.slug} {what}?")
        _report(deletion.remove_member(db, found_tenant, found_user))
    click.echo(f"removed {found_user.email} from {found_tenant.slug}")
