"""The demo accounts `asn seed` creates (auth contract with the web app): one per role, password for all
`rahasia123` (allowed only outside production)."""

from collections.abc import Sequence

from services.gateway.domain.grants import Grant, ScopeKind
from services.gateway.service.identity import Identity
from services.gateway.settings import GatewaySettings
from shared.db import Database
from shared.principal import Role
from shared.settings import Settings

DEMO_PASSWORD = "rahasia123"


def demo_accounts(
    province_code: str,
    employee_nip: str | None,
    supervisor_nip: str | None,
    approver_nip: str | None = None,
) -> Sequence[tuple[str, str, str | None, Grant]]:
    """(username, name, nip, grant) of each demo account; the province government is an agency itself."""
    agency = Grant
    return (
        ("admin", "Administrator Provinsi", None, agency(Role.ADMIN, ScopeKind.PROVINCE, province_code)),
        ("bkd.prov", "Petugas BKD Provinsi", None, agency(Role.HR_OFFICER, ScopeKind.AGENCY, province_code)),
        ("ppk.prov", "PPK Provinsi", approver_nip, agency(Role.APPROVER, ScopeKind.AGENCY, province_code)),
        ("bkn", "Reviewer BKN", None, agency(Role.BKN_REVIEWER, ScopeKind.ALL)),
        ("auditor", "Auditor", None, agency(Role.AUDITOR, ScopeKind.ALL)),
        (
            "atasan",
            "Atasan Langsung",
            supervisor_nip,
            agency(Role.SUPERVISOR, ScopeKind.AGENCY, province_code),
        ),
        ("pegawai", "Pegawai", employee_nip, agency(Role.EMPLOYEE, ScopeKind.AGENCY, province_code)),
    )


async def ensure_demo_users(
    *,
    province_code: str,
    employee_nip: str | None = None,
    supervisor_nip: str | None = None,
    approver_nip: str | None = None,
    settings: Settings | None = None,
    database_url: str | None = None,
) -> list[str]:
    """Create the demo accounts that do not exist yet (idempotent); answers the usernames created.

    `province_code` is the province government's agency code (a province's `province_code` is its own);
    `employee_nip` / `supervisor_nip` / `approver_nip` link `pegawai`, `atasan` and `ppk.prov` to seeded
    employees (the approver decides appraisal overrides as the period's approver).
    """
    config = GatewaySettings(**{**(settings.model_dump() if settings else {}), "service": "gateway"})
    if config.environment == "production":
        raise RuntimeError("demo accounts with a known password are never created in production")
    db = Database(database_url or config.resolved_database_url)
    identity = Identity(config, db)
    created = []
    try:
        existing = {row["username"] for row in await identity.users.list_users(after=None, limit=100_000)}
        accounts = demo_accounts(province_code, employee_nip, supervisor_nip, approver_nip)
        for username, name, nip, grant in accounts:
            if username in existing:
                continue
            await identity.users.create_user(
                username=username,
                name=name,
                password=DEMO_PASSWORD,
                nip=nip,
                grants=[grant],
                allow_demo_password=True,
            )
            created.append(username)
    finally:
        await db.dispose()
    return created
