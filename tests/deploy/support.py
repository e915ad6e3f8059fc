"""What the deployment tests share: where things are, the image's environment, and the settings contract."""

import importlib
import re
from collections.abc import Mapping
from pathlib import Path

import pytest

from shared.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
K8S = DEPLOY / "k8s"
OVERLAYS = ("dev", "prod")
COMPOSE_DIR = DEPLOY / "compose"
RUNBOOK = DEPLOY / "RUNBOOK.md"

# The image's name as the manifests write it; overlays and compose only add a registry and a tag.
IMAGE = "asn-platform"
ASN_NAME = re.compile(r"\bASN_[A-Z0-9_]+\b")


def settings_class(service: str) -> type[Settings]:
    """The settings a service reads: the shared ones, or its own subclass (services/<name>/settings.py)."""
    try:
        module = importlib.import_module(f"services.{service}.settings")
    except ModuleNotFoundError:
        return Settings
    own = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Settings) and value is not Settings
    ]
    return own[0] if own else Settings


def setting_names(cls: type[Settings] = Settings) -> set[str]:
    """The environment variables a settings class reads."""
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    return {prefix + name.upper() for name in cls.model_fields}


def all_setting_names() -> set[str]:
    from shared.settings import SERVICE_PORTS

    return set().union(*(setting_names(settings_class(service)) for service in SERVICE_PORTS))


def image_environment() -> dict[str, str]:
    """The ENV of the Dockerfile's last stage (the runtime image), `KEY=value` pairs with continuations."""
    stages = DOCKERFILE.read_text().split("\nFROM ")
    text = stages[-1].replace("\\\n", " ")
    environment: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                key, _, value = pair.partition("=")
                environment[key] = value
    return environment


def load_settings(monkeypatch: pytest.MonkeyPatch, service: str, environment: Mapping[str, str]) -> Settings:
    """The settings `service` would build from exactly `environment`, parsed as the process would parse it."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("ASN_"):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        if name.startswith("ASN_"):
            monkeypatch.setenv(name, value)
    return settings_class(service)(service=service)  # type: ignore[arg-type]
