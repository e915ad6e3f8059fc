"""The platform image: deploy/Dockerfile passes hadolint, its final stage is small and unprivileged, its
build context holds what it copies; the entrypoint migrates, waits for the schema and serves a service."""

import asyncio
import fnmatch
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from shared.net import free_port
from shared.testing import eventually
from tests.deploy.support import DEPLOY, DOCKERFILE, REPO

ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"
VENV_BIN = Path(sys.executable).parent
BUILD_TOOLS = ("gcc", "g++", "make", "build-essential", "clang", "cargo", "rustc", "libpq-dev", "python3-dev")


def stages() -> list[str]:
    return ["FROM " + stage for stage in DOCKERFILE.read_text().split("\nFROM ")[1:]]


@pytest.mark.unit
def test_dockerfile_passes_hadolint():
    hadolint = VENV_BIN / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.unit
def test_final_stage_is_unprivileged_without_build_tools_and_checks_health():
    build, runtime = stages()
    assert " AS build" in build.splitlines()[0] and " AS runtime" in runtime.splitlines()[0]
    assert re.search(r"^USER 10001:10001$", runtime, re.MULTILINE)
    assert "useradd --system --uid 10001" in runtime
    assert re.search(r"^HEALTHCHECK .*\n?.*CMD \[.*healthcheck", runtime, re.MULTILINE)
    assert re.search(r'^ENTRYPOINT \["/opt/asn-container/entrypoint.sh"\]$', runtime, re.MULTILINE)
    assert "pip install" not in runtime and "apt-get install" not in runtime
    for tool in BUILD_TOOLS:
        assert not re.search(rf"\b{re.escape(tool)}\b", runtime), tool
    assert "COPY --from=build /opt/asn /opt/asn" in runtime
    assert "COPY --from=build /opt/asn-app /opt/asn-app" in runtime
    # One image, every service: nothing service-specific is baked in.
    assert "SERVICE=" not in runtime


def dockerignore_excludes(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (the last matching pattern wins)."""
    excluded = False
    for line in (REPO / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        nested = f"*/{pattern.removeprefix('**/')}"
        if any(fnmatch.fnmatch(c, pattern) or fnmatch.fnmatch(c, nested) for c in candidates):
            excluded = not negated
    return excluded


@pytest.mark.unit
def test_build_context_holds_what_the_dockerfile_copies_and_nothing_local():
    sources = re.findall(r"^COPY (?!--from)(?:--\S+ )*(.+) \S+$", DOCKERFILE.read_text(), re.MULTILINE)
    copied = [source for line in sources for source in line.split()]
    assert "shared" in copied and "services" in copied
    for source in copied:
        assert (REPO / source).exists(), source
        assert not dockerignore_excludes(source), f".dockerignore excludes {source}"
    needed = ("shared/settings.py", "services/employee/migrations/env.py", "deploy/docker/asn_container.py")
    for path in needed:
        assert not dockerignore_excludes(path), path
    for path in (".venv/bin/python", "var/employee.db", "services/employee/tests/test_x.py", ".git/HEAD"):
        assert dockerignore_excludes(path), path


def entrypoint_environment(**values: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith("ASN_")}
    environment["PATH"] = f"{VENV_BIN}{os.pathsep}{environment.get('PATH', '')}"
    environment.update(values)
    return environment


def run_entrypoint(*args: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args], env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.integration
def test_entrypoint_migrates_once_and_reports_the_schema(tmp_path):
    environment = entrypoint_environment(
        SERVICE="employee",
        ASN_ENVIRONMENT="production",
        ASN_INTERNAL_TOKEN_SECRET="a-production-secret",
        ASN_DATABASE_URL=f"sqlite:///{tmp_path / 'employee.db'}",
    )
    before = run_entrypoint("check-schema", environment=environment)
    assert before.returncode == 1 and "schema at nothing" in before.stderr
    migrated = run_entrypoint("migrate", environment=environment)
    assert migrated.returncode == 0, migrated.stderr
    assert "employee: migrated" in migrated.stdout
    after = run_entrypoint("check-schema", environment=environment)
    assert after.returncode == 0, after.stderr
    assert run_entrypoint("wait-for-schema", environment=environment).returncode == 0
    refused = run_entrypoint("serve", environment={**environment, "SERVICE": "payroll"})
    assert refused.returncode == 64 and "set SERVICE" in refused.stderr


@pytest.mark.integration
async def test_entrypoint_serves_a_service_that_its_health_check_and_metrics_answer(
    database_factory, broker, tmp_path
):
    port = free_port()
    environment = entrypoint_environment(
        SERVICE="employee",
        ASN_ENVIRONMENT="production",
        ASN_INTERNAL_TOKEN_SECRET="a-production-secret",
        ASN_HOST="127.0.0.1",
        ASN_PORT=str(port),
        ASN_VAR_DIR=str(tmp_path),
        ASN_LOG_JSON="true",
        ASN_DATABASE_URL=await database_factory.create("employee", tmp_path),
        ASN_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
        ASN_KAFKA_TOPIC_PREFIX=f"t{uuid.uuid4().hex[:10]}.",
        ASN_KAFKA_PARTITIONS="2",
        ASN_KAFKA_SESSION_TIMEOUT_MS="2000",
        ASN_KAFKA_HEARTBEAT_INTERVAL_MS="500",
    )
    log_path = tmp_path / "employee.log"
    with log_path.open("w") as log:
        server = await asyncio.create_subprocess_exec(
            "sh", str(ENTRYPOINT), "serve", env=environment, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
        try:

            async def healthy() -> bool:
                check = await asyncio.create_subprocess_exec(
                    "sh",
                    str(ENTRYPOINT),
                    "healthcheck",
                    "/ready",
                    env=environment,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                return await check.wait() == 0 and server.returncode is None

            await eventually(healthy, timeout=60, interval=0.5, what="the served service to be ready")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                response = await client.get("/metrics")
            assert response.status_code == 200
            assert "asn_outbox_backlog_events 0.0" in response.text
            assert 'asn_http_requests_total{method="GET",route="/ready",status="200"}' in response.text
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(30):
                    await server.wait()
            except TimeoutError:
                server.kill()
                await server.wait()
    # `exec` all the way down: the signal reached uvicorn itself, which shut the runtime down cleanly
    # (and then ends by the signal, as uvicorn does).
    output = log_path.read_text()
    assert server.returncode in (0, -signal.SIGTERM), output[-2000:]
    assert "Application shutdown complete." in output
    assert '"service": "employee"' in output
