"""deploy/compose: the file parses, interpolates like Compose, and in both shapes (one Kafka node; three with
the staging profile) starts every service after its migration on a KRaft Kafka and PostgreSQL."""

import re
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from shared.settings import SERVICE_PORTS
from tests.deploy.support import (
    COMPOSE_DIR,
    DOCKERFILE,
    K8S,
    REPO,
    image_environment,
    load_settings,
)

pytestmark = pytest.mark.unit

COMPOSE = COMPOSE_DIR / "compose.yaml"
SERVICES = list(SERVICE_PORTS)
VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]+)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(KeyError):
    pass


def interpolate(value: Any, environment: Mapping[str, str]) -> Any:
    """Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$."""
    if isinstance(value, dict):
        return {key: interpolate(item, environment) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environment) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        expression = match.group("braced") or match.group("plain")
        name, operator, argument = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?(.*)", expression).groups()  # type: ignore[union-attr]
        current = environment.get(name)
        empty = current is None or (operator is not None and operator.startswith(":") and current == "")
        if operator in ("-", ":-"):
            return argument if empty else str(current)
        if operator in ("?", ":?"):
            if empty:
                raise MissingVariable(f"{name}: {argument}")
            return str(current)
        return "" if current is None else str(current)

    return VARIABLE.sub(substitute, value)


def env_file(name: str) -> dict[str, str]:
    values = {}
    for line in (COMPOSE_DIR / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def model(environment: Mapping[str, str], profiles: set[str]) -> dict[str, dict[str, Any]]:
    """The services Compose would run: interpolated, merge keys resolved, only the active profiles'."""
    raw = yaml.safe_load(COMPOSE.read_text())
    return {
        name: interpolate(service, environment)
        for name, service in raw["services"].items()
        if not service.get("profiles") or profiles & set(service["profiles"])
    }


SHAPES = {
    "single": ({**env_file("env.example")}, set()),
    "staging": ({**env_file("env.example"), **env_file("staging.env")}, {"staging"}),
}


def test_compose_file_parses_with_every_service_and_its_migration():
    raw = yaml.safe_load(COMPOSE.read_text())
    assert raw["name"] == "asn"
    platform = {f"{s}{suffix}" for s in SERVICES for suffix in ("", "-migrate")}
    expected = {"postgres", "kafka", "kafka-2", "kafka-3"} | platform
    assert set(raw["services"]) == expected


def test_required_variables_are_named_in_the_example_and_the_staging_file_is_used():
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):?\?", text))
    assert required and required <= set(env_file("env.example"))
    referenced = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    assert set(env_file("staging.env")) <= referenced
    with pytest.raises(MissingVariable):
        model({}, set())


@pytest.mark.parametrize("shape", SHAPES)
def test_each_service_runs_unprivileged_after_its_migration_with_production_settings(shape, monkeypatch):
    environment, profiles = SHAPES[shape]
    services = model(environment, profiles)
    image = {services[s]["image"] for s in SERVICES} | {services[f"{s}-migrate"]["image"] for s in SERVICES}
    assert image == {"asn-platform:local"}
    for name in [*SERVICES, *(f"{s}-migrate" for s in SERVICES)]:
        service = services[name]
        build = service["build"]
        assert (COMPOSE_DIR / build["context"]).resolve() == REPO
        assert (REPO / build["dockerfile"]).resolve() == DOCKERFILE
        assert service["user"] == "10001:10001" and service["read_only"] is True
        assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"]
        assert {"/tmp", image_environment()["ASN_VAR_DIR"]} <= set(service["tmpfs"])
        for dependency, condition in service["depends_on"].items():
            assert dependency in services, f"{name} depends on {dependency}, not in the {shape} shape"
            assert condition["condition"] in ("service_healthy", "service_completed_successfully")

    for service_name in SERVICES:
        migrate = services[f"{service_name}-migrate"]
        assert migrate["command"] == ["migrate"] and migrate["restart"] == "no"
        assert migrate["healthcheck"] == {"disable": True}
        assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        server = services[service_name]
        assert server["command"] == ["serve"]
        depends = server["depends_on"]
        assert depends[f"{service_name}-migrate"] == {"condition": "service_completed_successfully"}
        assert depends["kafka"] == {"condition": "service_healthy"}
        if service_name == "gateway":
            assert {s for s in SERVICES if s != "gateway"} <= set(depends)
        readiness = ["CMD", "/opt/asn-container/entrypoint.sh", "healthcheck", "/ready"]
        assert server["healthcheck"]["test"] == readiness

        for container in (migrate, server):
            env = {**image_environment(), **{k: str(v) for k, v in container["environment"].items()}}
            assert env["SERVICE"] == service_name
            settings = load_settings(monkeypatch, service_name, env)
            assert settings.environment == "production" and settings.host == "0.0.0.0"
            assert settings.resolved_database_url.startswith("postgresql+asyncpg://")
            assert settings.resolved_database_url.endswith(f"@postgres:5432/{service_name}")
            advertised = {
                services[k]["environment"]["KAFKA_ADVERTISED_LISTENERS"].removeprefix("PLAINTEXT://")
                for k in services
                if k.startswith("kafka")
            }
            assert set(settings.kafka_bootstrap_servers.split(",")) == advertised
            for other, port in SERVICE_PORTS.items():
                assert settings.upstream_url(other) == f"http://{other}:{port}"


@pytest.mark.parametrize("shape", SHAPES)
def test_only_the_gateway_is_published_on_its_port(shape):
    services = model(*SHAPES[shape])
    published = {name: s["ports"] for name, s in services.items() if "ports" in s}
    assert published == {"gateway": [f"8000:{SERVICE_PORTS['gateway']}"]}
    for name in SERVICES[1:]:
        assert services[name]["expose"] == [str(SERVICE_PORTS[name])]


@pytest.mark.parametrize(
    ("shape", "nodes", "replication", "min_isr"), [("single", 1, 1, 1), ("staging", 3, 3, 2)]
)
def test_kafka_runs_in_kraft_mode_with_the_shapes_replication(
    shape, nodes, replication, min_isr, monkeypatch
):
    services = model(*SHAPES[shape])
    brokers = {name: s for name, s in services.items() if name.startswith("kafka")}
    assert len(brokers) == nodes
    strimzi = yaml.safe_load((K8S / "base" / "kafka" / "kafka.yaml").read_text())
    voters = set()
    for name, broker in brokers.items():
        image, _, tag = broker["image"].partition(":")
        assert image == "apache/kafka" and tag == strimzi["spec"]["kafka"]["version"]
        env = broker["environment"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert "KAFKA_ZOOKEEPER_CONNECT" not in env
        assert int(env["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == replication
        assert int(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == replication
        assert int(env["KAFKA_MIN_INSYNC_REPLICAS"]) == min_isr
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        voters.add(f"{env['KAFKA_NODE_ID']}@{name}:9093")
        assert f"-ge {nodes}" in broker["healthcheck"]["test"][1]
    for broker in brokers.values():
        assert set(broker["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == voters
    env = {**image_environment(), **services["employee"]["environment"]}
    settings = load_settings(monkeypatch, "employee", {k: str(v) for k, v in env.items()})
    assert settings.kafka_replication_factor == replication
    assert settings.kafka_enable_idempotence is True


def test_postgres_creates_one_database_per_service_on_first_start():
    services = model(*SHAPES["single"])
    postgres = services["postgres"]
    mount = next(v for v in postgres["volumes"] if "/docker-entrypoint-initdb.d/" in v)
    script = COMPOSE_DIR / mount.split(":")[0]
    text = script.read_text()
    (default,) = re.findall(r"\$\{DATABASES:-([^}]+)\}", text)
    assert default.split() == SERVICES
    for service in SERVICES:
        assert postgres["environment"][f"{service.upper()}_DB_PASSWORD"]
    assert "CREATE DATABASE" in text and "OWNER" in text
    assert postgres["healthcheck"]["test"][1] == "pg_isready"
