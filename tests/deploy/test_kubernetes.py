"""deploy/k8s: the overlays render (tests/deploy/kustomize.py), pass the Kubernetes schemas offline
(kubernetes-validate) and the operators' CRD fields (tests/deploy/crds.py), and agree with the code: services,
ports, settings, the event catalogue's topics."""

import functools
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from deploy.k8s import generate_kafka
from shared.events.catalogue import CATALOGUE, dead_letter_topic, topic_of_service
from shared.settings import SERVICE_PORTS
from tests.deploy.crds import SCHEMAS
from tests.deploy.kustomize import containers, image_name, load_documents, pod_spec, render
from tests.deploy.support import (
    DEPLOY,
    IMAGE,
    K8S,
    OVERLAYS,
    RUNBOOK,
    image_environment,
    load_settings,
    setting_names,
    settings_class,
)

pytestmark = pytest.mark.unit

KUBERNETES_VERSION = "1.31"
SERVICES = list(SERVICE_PORTS)
# Secrets the operators create: CloudNativePG `<cluster>-app`, Strimzi one per KafkaUser and the cluster CA.
# Anything else a manifest references must be in the overlay or created out of band, named in the runbook.
OUT_OF_BAND_SECRETS = {
    "dev": {"asn-gateway-tls"},
    "prod": {"asn-secrets", "asn-gateway-secrets", "asn-gateway-tls", "asn-backup-s3"},
}


@functools.cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    return tuple(render(K8S / "overlays" / overlay))


def of_kind(overlay: str, kind: str) -> list[dict[str, Any]]:
    return [r for r in rendered(overlay) if r["kind"] == kind]


def named(overlay: str, kind: str, name: str) -> dict[str, Any]:
    (found,) = [r for r in of_kind(overlay, kind) if r["metadata"]["name"] == name]
    return found


def config(overlay: str) -> dict[str, str]:
    return named(overlay, "ConfigMap", "asn-config")["data"]


def container_of(resource: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [c for c in containers(resource) if c["name"] == name]
    return found


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def is_platform(container: dict[str, Any]) -> bool:
    return image_name(container["image"]).rsplit("/", 1)[-1] == IMAGE


def test_every_manifest_file_parses_into_named_resources():
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        documents = load_documents(path)
        assert documents, path
        for document in documents:
            assert {"apiVersion", "kind"} <= set(document), path
            if document["kind"] != "Kustomization":
                assert document["metadata"]["name"], path


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_overlay_passes_the_kubernetes_and_operator_schemas(overlay):
    checked_builtin = checked_custom = 0
    for resource in rendered(overlay):
        where = f"{resource['kind']}/{resource['metadata']['name']}"
        custom = SCHEMAS.get((resource["apiVersion"], resource["kind"]))
        if custom is not None:
            errors = sorted(jsonschema.Draft202012Validator(custom).iter_errors(resource), key=str)
            assert not errors, f"{where}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors)
            checked_custom += 1
            continue
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            pytest.fail(f"{where}: no schema, neither Kubernetes' nor in tests/deploy/crds.py")
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{where}: {list(error.path)}: {error.message}")
        checked_builtin += 1
    assert checked_builtin >= 5 * len(SERVICES) and checked_custom >= 10


def test_operator_schemas_reject_what_the_operators_would():
    topic = named("prod", "KafkaTopic", "asn.employee.events")
    broken = {**topic, "spec": {**topic["spec"], "replica": 3}}
    topic_schema = SCHEMAS[("kafka.strimzi.io/v1beta2", "KafkaTopic")]
    assert list(jsonschema.Draft202012Validator(topic_schema).iter_errors(broken))
    cluster = named("prod", "Cluster", "employee-db")
    parameters = {"parameters": {"max_connections": 200}}  # CloudNativePG wants strings
    unquoted = {**cluster, "spec": {**cluster["spec"], "postgresql": parameters}}
    schema = SCHEMAS[("postgresql.cnpg.io/v1", "Cluster")]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(unquoted))


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_probed_bounded_and_unprivileged(overlay, service):
    deployment = named(overlay, "Deployment", service)
    spec = pod_spec(deployment)
    assert spec is not None
    pod_security = spec["securityContext"]
    assert pod_security["runAsNonRoot"] is True and pod_security["runAsUser"] != 0
    assert pod_security["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    mounts_by_volume = {v["name"]: v for v in spec["volumes"]}
    for container in containers(deployment):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, container["name"]
        assert security["allowPrivilegeEscalation"] is False, container["name"]
        assert security["capabilities"]["drop"] == ["ALL"], container["name"]
        assert container["resources"]["requests"].keys() >= {"cpu", "memory"}, container["name"]
        assert "memory" in container["resources"]["limits"], container["name"]
        # The read-only root leaves /tmp to an emptyDir.
        tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert tmp and "emptyDir" in mounts_by_volume[tmp[0]["name"]], container["name"]

    server = container_of(deployment, service)
    assert server["args"] == ["serve"]
    (port,) = server["ports"]
    assert port == {"name": "http", "containerPort": SERVICE_PORTS[service], "protocol": "TCP"}
    assert server["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert server["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert server["startupProbe"]["httpGet"]["path"] == "/health"
    init = container_of(deployment, "wait-for-schema")
    assert init["args"] == ["wait-for-schema"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics"
    assert annotations["prometheus.io/port"] == str(SERVICE_PORTS[service])


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_migration_job_an_autoscaler_and_a_disruption_budget(overlay, service):
    job = named(overlay, "Job", f"{service}-migrate")
    migrate = container_of(job, "migrate")
    assert migrate["args"] == ["migrate"]
    assert env_of(migrate)["SERVICE"]["value"] == service
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")
    assert migrate["securityContext"]["readOnlyRootFilesystem"] is True

    autoscaler = named(overlay, "HorizontalPodAutoscaler", service)
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert autoscaler["spec"]["scaleTargetRef"] == target
    assert 1 <= autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]
    assert "replicas" not in named(overlay, "Deployment", service)["spec"], "the autoscaler owns the count"
    budget = named(overlay, "PodDisruptionBudget", service)
    selector = named(overlay, "Deployment", service)["spec"]["selector"]
    assert budget["spec"]["selector"] == selector
    assert named(overlay, "Service", service)["spec"]["selector"] == selector["matchLabels"]


def test_every_asn_variable_in_deploy_is_a_setting():
    known = set().union(*(setting_names(settings_class(service)) for service in SERVICES))
    referenced: dict[str, set[str]] = {}
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix in {"", ".yaml", ".yml", ".env", ".example", ".md", ".sh", ".py"}:
            for name in re.findall(r"\bASN_[A-Z0-9_]+\b", path.read_text()):
                referenced.setdefault(name, set()).add(str(path.relative_to(DEPLOY)))
    assert len(referenced) >= 15
    unknown = {name: sorted(paths) for name, paths in referenced.items() if name not in known}
    assert not unknown, f"not settings of any service: {unknown}"


def effective_environment(overlay: str, container: dict[str, Any]) -> dict[str, str]:
    """What the container's process sees: the image's ENV, then envFrom, then env (secrets: placeholders)."""
    environment = dict(image_environment())
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            environment.update(named(overlay, "ConfigMap", source["configMapRef"]["name"])["data"])
        else:
            for key in secret_keys(source["secretRef"]["name"]):
                environment[key] = f"placeholder-for-{key.lower()}"
    for name, entry in env_of(container).items():
        if "value" in entry:
            environment[name] = entry["value"]
        elif entry["valueFrom"].get("secretKeyRef", {}).get("key") == "uri":
            environment[name] = "postgresql://user:password@cluster-rw:5432/database"
        else:
            environment[name] = f"placeholder-for-{name.lower()}"
    return environment


def secret_keys(name: str) -> set[str]:
    """The keys of a Secret the platform provides itself: the dev overlay's are the contract for prod's."""
    return set(named("dev", "Secret", name)["stringData"])


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_container_gets_every_setting_production_requires(overlay, service, monkeypatch):
    deployment = named(overlay, "Deployment", service)
    for container in [*containers(deployment), *containers(named(overlay, "Job", f"{service}-migrate"))]:
        environment = effective_environment(overlay, container)
        assert environment["SERVICE"] == service
        # Settings refuse a missing production secret: building them is the check.
        settings = load_settings(monkeypatch, service, environment)
        assert settings.environment == "production"
        assert settings.resolved_database_url.startswith("postgresql+asyncpg://")
        assert str(settings.var_dir) == "/var/lib/asn"
    server = container_of(deployment, service)
    settings = load_settings(monkeypatch, service, effective_environment(overlay, server))
    assert settings.host == "0.0.0.0"
    assert settings.listen_port == SERVICE_PORTS[service]
    mounts = {m["mountPath"] for m in server["volumeMounts"]}
    assert str(settings.var_dir) in mounts
    assert settings.kafka_ssl_cafile is not None and str(settings.kafka_ssl_cafile.parent) in mounts
    for other in SERVICES:
        assert settings.upstream_url(other) == f"http://{other}:{SERVICE_PORTS[other]}"


def kafka_topics(overlay: str) -> dict[str, dict[str, Any]]:
    return {t["spec"]["topicName"]: t for t in of_kind(overlay, "KafkaTopic")}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_topic_and_dead_letter_topic_of_the_catalogue_is_a_kafka_topic(overlay):
    topics = kafka_topics(overlay)
    wanted = {spec.topic for spec in CATALOGUE.values()} | {topic_of_service(s) for s in SERVICES}
    partitions = int(config(overlay)["ASN_KAFKA_PARTITIONS"])
    for topic in sorted(wanted):
        for name in (topic, dead_letter_topic(topic)):
            assert name in topics, f"no KafkaTopic for {name}: run `python -m deploy.k8s.generate_kafka`"
            spec = topics[name]["spec"]
            assert spec["replicas"] == 3
            assert spec["config"]["min.insync.replicas"] == 2
            assert spec["partitions"] == partitions
            assert topics[name]["metadata"]["labels"]["strimzi.io/cluster"] == "asn-kafka"
    assert config(overlay)["ASN_KAFKA_REPLICATION_FACTOR"] == "3"
    # Deployments share one Kafka per namespace: a topic prefix would miss every KafkaTopic and ACL.
    assert "ASN_KAFKA_TOPIC_PREFIX" not in config(overlay)


def test_generated_kafka_resources_are_current():
    for path, text in generate_kafka.rendered().items():
        assert path.read_text() == text, f"{path} is stale: run `python -m deploy.k8s.generate_kafka`"
    assert generate_kafka.main(["--check"]) == 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_reachable_from_outside(overlay):
    (ingress,) = of_kind(overlay, "Ingress")
    backends = [
        path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]
    ]
    assert backends == [{"name": "gateway", "port": {"name": "http"}}]
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    (tls,) = ingress["spec"]["tls"]
    assert set(tls["hosts"]) == hosts and tls["secretName"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/ssl-redirect"] == "true"
    assert {s["spec"].get("type", "ClusterIP") for s in of_kind(overlay, "Service")} == {"ClusterIP"}

    policies = {p["metadata"]["name"]: p["spec"] for p in of_kind(overlay, "NetworkPolicy")}
    deny = policies["default-deny-ingress"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and "ingress" not in deny
    for service in SERVICES:
        policy = policies[service]
        assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == service
        peers = [peer for rule in policy["ingress"] for peer in rule["from"]]
        assert all(rule.get("from") for rule in policy["ingress"]), "a rule without `from` admits anyone"
        namespaces = {
            p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for p in peers
            if "namespaceSelector" in p
        }
        pods = [p["podSelector"]["matchLabels"] for p in peers if "podSelector" in p]
        assert not any("ipBlock" in p for p in peers)
        if service == "gateway":
            assert namespaces == {"ingress-nginx", "monitoring"} and not pods
        else:
            assert namespaces == {"monitoring"}
            assert pods == [{"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "service"}]
        egress_ports = {port["port"] for rule in policy["egress"] for port in rule["ports"]}
        assert {53, 5432, 9093} <= egress_ports
        if service == "gateway":
            assert {SERVICE_PORTS[s] for s in SERVICES if s != "gateway"} <= egress_ports


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_and_ports_agree_across_files(overlay):
    kustomization = yaml.safe_load((K8S / "overlays" / overlay / "kustomization.yaml").read_text())
    (image,) = kustomization["images"]
    assert image["name"] == IMAGE
    expected = f"{image['newName']}:{image['newTag']}"
    platform = [c for r in rendered(overlay) for c in containers(r) if is_platform(c)]
    assert len(platform) == 3 * len(SERVICES)  # server, wait-for-schema, migration job
    assert {c["image"] for c in platform} == {expected}
    assert not [c for r in rendered(overlay) for c in containers(r) if not is_platform(c)]

    exposed = re.findall(r"^EXPOSE (.+)$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    assert {int(p) for line in exposed for p in line.split()} == set(SERVICE_PORTS.values())
    data = config(overlay)
    for service, port in SERVICE_PORTS.items():
        (service_port,) = named(overlay, "Service", service)["spec"]["ports"]
        assert (service_port["port"], service_port["targetPort"]) == (port, "http")
        assert data[f"ASN_{service.upper()}_URL"] == f"http://{service}:{port}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operator_resources_fit_the_services(overlay, monkeypatch):
    (kafka,) = of_kind(overlay, "Kafka")
    cluster = kafka["metadata"]["name"]
    assert kafka["metadata"]["annotations"]["strimzi.io/node-pools"] == "enabled"
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert "zookeeper" not in kafka["spec"]
    kafka_config = kafka["spec"]["kafka"]["config"]
    assert kafka_config["default.replication.factor"] == 3 and kafka_config["min.insync.replicas"] == 2
    pools = of_kind(overlay, "KafkaNodePool")
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    assert brokers >= 3 and controllers >= 3 and controllers % 2 == 1
    for labelled in [*pools, *of_kind(overlay, "KafkaTopic"), *of_kind(overlay, "KafkaUser")]:
        assert labelled["metadata"]["labels"]["strimzi.io/cluster"] == cluster

    (listener,) = kafka["spec"]["kafka"]["listeners"]
    environment = {**image_environment(), **config(overlay), "ASN_INTERNAL_TOKEN_SECRET": "from-asn-secrets"}
    settings = load_settings(monkeypatch, "employee", environment)
    assert settings.kafka_bootstrap_servers == f"{cluster}-kafka-bootstrap:{listener['port']}"
    assert listener["tls"] is True and settings.kafka_security_protocol == "SASL_SSL"
    assert listener["authentication"]["type"] == "scram-sha-512"
    assert settings.kafka_sasl_mechanism == "SCRAM-SHA-512"
    users = {u["metadata"]["name"]: u for u in of_kind(overlay, "KafkaUser")}
    databases = {c["metadata"]["name"]: c for c in of_kind(overlay, "Cluster")}
    for service in SERVICES:
        env = env_of(container_of(named(overlay, "Deployment", service), service))
        user = env["ASN_KAFKA_SASL_USERNAME"]["value"]
        assert users[user]["spec"]["authentication"]["type"] == "scram-sha-512"
        password = env["ASN_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password == {"name": user, "key": "password"}
        acls = users[user]["spec"]["authorization"]["acls"]
        writes = {a["resource"]["name"] for a in acls if "Write" in a["operations"]}
        assert topic_of_service(service) in writes
        assert {a["resource"]["name"] for a in acls if a["resource"]["type"] == "group"} == {service}
        database_ref = env["ASN_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert database_ref["key"] == "uri" and database_ref["name"].endswith("-app")
        database = databases[database_ref["name"].removesuffix("-app")]
        assert database["spec"]["bootstrap"]["initdb"] == {"database": service, "owner": service}
    for backup in of_kind(overlay, "ScheduledBackup"):
        assert backup["spec"]["cluster"]["name"] in databases
    stores = {s["metadata"]["name"] for s in of_kind(overlay, "ObjectStore")}
    for database in databases.values():
        for plugin in database["spec"].get("plugins", []):
            assert plugin["parameters"]["barmanObjectName"] in stores
    if overlay == "prod":
        assert {b["spec"]["cluster"]["name"] for b in of_kind(overlay, "ScheduledBackup")} == set(databases)
        assert all(d["spec"]["instances"] == 3 for d in databases.values())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_referenced_exists_or_is_documented(overlay):
    defined = {s["metadata"]["name"] for s in of_kind(overlay, "Secret")}
    from_operators = (
        {f"{c['metadata']['name']}-app" for c in of_kind(overlay, "Cluster")}
        | {u["metadata"]["name"] for u in of_kind(overlay, "KafkaUser")}
        | {f"{k['metadata']['name']}-cluster-ca-cert" for k in of_kind(overlay, "Kafka")}
    )
    referenced = set(_secret_references(rendered(overlay)))
    missing = referenced - defined - from_operators - OUT_OF_BAND_SECRETS[overlay]
    assert not missing, f"secrets nobody provides: {missing}"
    runbook = RUNBOOK.read_text()
    for name in OUT_OF_BAND_SECRETS[overlay]:
        assert name in referenced, f"{name} is listed as out of band but nothing uses it"
        assert f"`{name}`" in runbook, f"RUNBOOK.md does not say how to create {name}"
    for name in ("asn-secrets", "asn-gateway-secrets"):
        for key in secret_keys(name):
            assert f"`{key}`" in runbook, f"RUNBOOK.md does not name the key {key} of {name}"


def _secret_references(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("secretKeyRef", "secretRef") and isinstance(value, dict):
                found.append(value["name"])
            elif key == "secret" and isinstance(value, dict) and "secretName" in value:
                found.append(value["secretName"])
            elif key in ("tls",) and isinstance(value, list):
                found.extend(t["secretName"] for t in value if "secretName" in t)
            elif key in ("accessKeyId", "secretAccessKey") and isinstance(value, dict):
                found.append(value["name"])
            else:
                found.extend(_secret_references(value))
    elif isinstance(node, (list, tuple)):
        for item in node:
            found.extend(_secret_references(item))
    return found


def test_base_is_not_meant_to_be_applied_alone_but_renders():
    base = render(K8S / "base")
    kinds = {r["kind"] for r in base}
    assert "KafkaNodePool" not in kinds and "Namespace" not in kinds
    assert all("namespace" not in r["metadata"] for r in base)
    assert Path(K8S / "base" / "kustomization.yaml").exists()
