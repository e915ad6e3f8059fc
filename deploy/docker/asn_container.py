"""What the platform image's entrypoint needs besides the `asn` CLI: a health check that needs no curl, and a
wait until the database schema is the one this image was built for (the Deployments' init container, so
new pods never serve against a schema their migration Job has not reached yet).

    python asn_container.py healthcheck [/health|/ready]   exit 0 when the service answers 200
    python asn_container.py check-schema                   exit 0 when the schema is current, 1 when behind
    python asn_container.py wait-for-schema                check-schema until it passes (SCHEMA_WAIT_SECONDS)

SERVICE names the service; the database is the one its settings name (ASN_DATABASE_URL).
"""

import asyncio
import os
import sys
import time
import urllib.request

from shared.settings import SERVICE_PORTS

SCHEMA_POLL_SECONDS = 2.0


def healthcheck(service: str, path: str) -> int:
    port = os.environ.get("ASN_PORT") or SERVICE_PORTS[service]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=4) as response:
            return 0 if response.status == 200 else 1
    except Exception as error:
        print(f"{service} unhealthy: {error}", file=sys.stderr)
        return 1


async def _database_heads(url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import pool
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    finally:
        await engine.dispose()


def schema_state(service: str) -> tuple[bool, str]:
    """Whether the database is at this image's head revision, or past it (a newer image migrated it:
    migrations are additive within a release line, so this image still works on it)."""
    from alembic.script import ScriptDirectory

    from asn.migrations import alembic_config
    from shared.settings import Settings

    url = Settings(service=service).resolved_database_url  # type: ignore[arg-type]
    script = ScriptDirectory.from_config(alembic_config(service, url))
    head = script.get_current_head()
    current = asyncio.run(_database_heads(url))
    known = {revision.revision for revision in script.walk_revisions()}
    if head in current:
        return True, f"{service}: schema at {head}"
    if current - known:
        return True, f"{service}: schema at {', '.join(sorted(current))}, newer than this image's {head}"
    return False, f"{service}: schema at {', '.join(sorted(current)) or 'nothing'}, this image needs {head}"


def check_schema(service: str) -> int:
    ready, message = schema_state(service)
    print(message, file=sys.stderr)
    return 0 if ready else 1


def wait_for_schema(service: str) -> int:
    deadline = time.monotonic() + float(os.environ.get("SCHEMA_WAIT_SECONDS", "900"))
    while True:
        try:
            ready, message = schema_state(service)
        except Exception as error:  # the database may not accept connections yet
            ready, message = False, f"{service}: database not reachable yet: {error}"
        print(message, file=sys.stderr)
        if ready:
            return 0
        if time.monotonic() > deadline:
            print(f"{service}: gave up waiting for the schema (is its migration failing?)", file=sys.stderr)
            return 1
        time.sleep(SCHEMA_POLL_SECONDS)


def main(argv: list[str]) -> int:
    service = os.environ.get("SERVICE", "")
    if service not in SERVICE_PORTS:
        print(f"set SERVICE to one of {', '.join(SERVICE_PORTS)}", file=sys.stderr)
        return 64
    command = argv[0] if argv else ""
    if command == "healthcheck":
        return healthcheck(service, argv[1] if len(argv) > 1 else "/health")
    if command == "check-schema":
        return check_schema(service)
    if command == "wait-for-schema":
        return wait_for_schema(service)
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
