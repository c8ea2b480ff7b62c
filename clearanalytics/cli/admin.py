"""Account commands: setup, tenant, site, user and token."""

from __future__ import annotations

from pathlib import Path

import click

from clearanalytics import accounts
from clearanalytics.cli import CliError, data_dir_option, database, info, main
from clearanalytics.config import ensure_secret_key


def ensure_account(
    data_dir: Path,
    *,
    tenant: str,
    tenant_name: str,
    site: str,
    email: str,
    password: str | None,
    timezone: str = "UTC",
    currency: str = "EUR",
) -> list[str]:
    """Create whatever of tenant, site, owner and secret key is missing; return what changed."""
    changes: list[str] = []
    with database(data_dir) as db, db.transaction() as cur:
        accounts.validate_slug(tenant)
        email = accounts.validate_email(email)
        domain = accounts.normalise_domain(site)
        accounts.validate_timezone(timezone)
        currency = accounts.validate_currency(currency)
        the_tenant = accounts.get_tenant(cur, tenant)
        if the_tenant is None:
            the_tenant = accounts.create_tenant(cur, tenant, tenant_name)
            changes.append(f"created tenant {tenant}")
        the_site = accounts.get_site(cur, domain)
        if the_site is None:
            accounts.create_site(cur, the_tenant, domain, timezone, currency)
            changes.append(f"created site {domain}")
        elif the_site.tenant_id != the_tenant.id:
            raise CliError(f"site {domain} already belongs to another tenant")
        user = accounts.get_user(cur, email)
        if user is None:
            if not password:
                raise CliError("a password is needed to create the user")
            user = accounts.create_user(cur, email, password)
            changes.append(f"created user {email}")
        if accounts.get_role(cur, the_tenant.id, user.id) is None:
            accounts.set_membership(cur, the_tenant, user, "owner")
            changes.append(f"made {email} owner of {tenant}")
    if not (data_dir / "secret_key").exists():
        ensure_secret_key(data_dir)
        changes.append("generated the secret key")
    return changes


@main.command()
@data_dir_option
@click.option("--tenant", help="Tenant slug, e.g. acme.")
@click.option("--tenant-name", help="Tenant display name.")
@click.option("--site", help="Site domain, e.g. example.com.")
@click.option("--email", help="Owner's email address.")
@click.option("--password", help="Owner's password (at least 8 characters).")
@click.option("--timezone", default="UTC", show_default=True, help="Site timezone (IANA name).")
@click.option("--currency", default="EUR", show_default=True, help="Site reporting currency.")
def setup(data_dir: Path, tenant, tenant_name, site, email, password, timezone, currency) -> None:
    """Create the first tenant, site and owner; prompts for anything not given. Idempotent."""
    tenant = tenant or click.prompt("Tenant slug")
    tenant_name = tenant_name or click.prompt("Tenant name", default=tenant)
    site = site or click.prompt("Site domain")
    email = email or click.prompt("Owner email")
    if password is None:
        with database(data_dir) as db, db.reading() as cur:
            exists = accounts.get_user(cur, accounts.validate_email(email)) is not None
        if not exists:
            password = click.prompt("Owner password", hide_input=True, confirmation_prompt=True)
    changes = ensure_account(
        data_dir,
        tenant=tenant,
        tenant_name=tenant_name,
        site=site,
        email=email,
        password=password,
        timezone=timezone,
        currency=currency,
    )
    if changes:
        for change in changes:
            click.echo(change)
        click.echo(f"Setup complete in {data_dir}.")
    else:
        click.echo("Already set up: nothing changed.")


# --- tenant ---------------------------------------------------------------------------


@main.group()
def tenant() -> None:
    """Manage tenants (an account that owns sites, members and tokens)."""


@tenant.command("add")
@data_dir_option
@click.argument("slug")
@click.option("--name", required=True, help="Display name.")
@click.option("--plan", default="business", show_default=True, type=click.Choice(accounts.PLANS))
def tenant_add(data_dir: Path, slug: str, name: str, plan: str) -> None:
    """Add a tenant."""
    with database(data_dir) as db, db.transaction() as cur:
        accounts.create_tenant(cur, slug, name, plan)
    click.echo(f"created tenant {slug}")


@tenant.command("list")
@data_dir_option
def tenant_list(data_dir: Path) -> None:
    """List tenants: slug, plan, name."""
    with database(data_dir) as db, db.reading() as cur:
        for t in accounts.list_tenants(cur):
            click.echo(f"{t.slug}\t{t.plan}\t{t.name}")


@tenant.command("plan")
@data_dir_option
@click.argument("slug")
@click.argument("plan", type=click.Choice(accounts.PLANS))
def tenant_plan(data_dir: Path, slug: str, plan: str) -> None:
    """Set a tenant's plan (free tenants have no MCP route or AI chat)."""
    with database(data_dir) as db, db.transaction() as cur:
        accounts.update_tenant(cur, accounts.require_tenant(cur, slug), plan=plan)
    click.echo(f"tenant {slug} is on plan {plan}")


# --- site -----------------------------------------------------------------------------


@main.group()
def site() -> None:
    """Manage tracked sites."""


@site.command("add")
@data_dir_option
@click.argument("domain")
@click.option("--tenant", "tenant_slug", required=True, help="Owning tenant's slug.")
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--currency", default="EUR", show_default=True)
@click.option("--retention-months", type=click.IntRange(1, 1200), help="Keep this many months of raw events.")
def site_add(
    data_dir: Path, domain: str, tenant_slug: str, timezone: str, currency: str, retention_months: int | None
) -> None:
    """Add a site to a tenant."""
    from clearanalytics import retention

    with database(data_dir) as db, db.transaction() as cur:
        created = accounts.create_site(cur, accounts.require_tenant(cur, tenant_slug), domain, timezone, currency)
        retention.set_months(cur, created, retention_months)
    click.echo(f"created site {created.domain}")


@site.command("list")
@data_dir_option
@click.option("--tenant", "tenant_slug", help="Only this tenant's sites.")
def site_list(data_dir: Path, tenant_slug: str | None) -> None:
    """List sites: domain, tenant, timezone, currency."""
    with database(data_dir) as db, db.reading() as cur:
        tenant_id = accounts.require_tenant(cur, tenant_slug).id if tenant_slug else None
        slugs = {t.id: t.slug for t in accounts.list_tenants(cur)}
        for s in accounts.list_sites(cur, tenant_id):
            click.echo(f"{s.domain}\t{slugs.get(s.tenant_id, '?')}\t{s.timezone}\t{s.currency}")


# --- user -----------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Manage users and their tenant memberships."""


@user.command("add")
@data_dir_option
@click.argument("email")
@click.option("--tenant", "tenant_slug", required=True, help="Tenant to join.")
@click.option("--role", default="viewer", show_default=True, type=click.Choice(accounts.ROLES))
@click.option("--password", help="Needed for a new user; prompted for when missing.")
def user_add(data_dir: Path, email: str, tenant_slug: str, role: str, password: str | None) -> None:
    """Add a user to a tenant (creating the user if new; a user may be in several tenants)."""
    with database(data_dir) as db, db.transaction() as cur:
        the_tenant = accounts.require_tenant(cur, tenant_slug)
        existing = accounts.get_user(cur, accounts.validate_email(email))
        if existing is None:
            if password is None:
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            existing = accounts.create_user(cur, email, password)
        accounts.set_membership(cur, the_tenant, existing, role)
    click.echo(f"{existing.email} is {role} of {tenant_slug}")


# --- token ----------------------------------------------------------------------------


@main.group()
def token() -> None:
    """Manage API tokens (also used by MCP clients)."""


@token.command("create")
@data_dir_option
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--email", required=True, help="The member the token acts for.")
@click.option("--name", required=True, help="A label to recognise the token by.")
@click.option(
    "--ability",
    "abilities",
    multiple=True,
    type=click.Choice(accounts.ABILITIES + accounts.OPERATOR_ABILITIES),
    help="Repeat for several; when none is given, the read abilities (stats, export, goals, mcp); sites:write,"
    " goals:write and metrics:read (instance-wide) only when named.",
)
def token_create(data_dir: Path, tenant_slug: str, email: str, name: str, abilities: tuple[str, ...]) -> None:
    """Create a token and print its plaintext (only this once) on stdout."""
    with database(data_dir) as db, db.transaction() as cur:
        the_tenant = accounts.require_tenant(cur, tenant_slug)
        the_user = accounts.require_user(cur, email)
        created, plaintext = accounts.create_token(cur, the_tenant, the_user, name, abilities, operator=True)
    info(f"created token {created.id} ({', '.join(created.abilities)}); it is shown only once")
    click.echo(plaintext)


@token.command("list")
@data_dir_option
@click.option("--tenant", "tenant_slug", help="Only this tenant's tokens.")
def token_list(data_dir: Path, tenant_slug: str | None) -> None:
    """List tokens: id, tenant, name, abilities, last use, status."""
    with database(data_dir) as db, db.reading() as cur:
        tenant_id = accounts.require_tenant(cur, tenant_slug).id if tenant_slug else None
        slugs = {t.id: t.slug for t in accounts.list_tenants(cur)}
        for t in accounts.list_tokens(cur, tenant_id):
            last = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never"
            status = "revoked" if t.revoked_at else "active"
            click.echo(f"{t.id}\t{slugs.get(t.tenant_id, '?')}\t{t.name}\t{','.join(t.abilities)}\t{last}\t{status}")


@token.command("revoke")
@data_dir_option
@click.argument("token_id")
def token_revoke(data_dir: Path, token_id: str) -> None:
    """Revoke a token by id; requests with it get 401 from then on."""
    with database(data_dir) as db, db.transaction() as cur:
        accounts.revoke_token(cur, token_id)
    click.echo(f"revoked token {token_id}")
