import pytest

from shared.settings import Settings, with_async_driver

pytestmark = pytest.mark.unit


def test_each_service_defaults_to_its_own_sqlite_file_and_port():
    settings = Settings(service="mutation")
    assert settings.resolved_database_url == "sqlite+aiosqlite:///var/mutation.db"
    assert settings.listen_port == 8003


def test_plain_database_urls_get_their_async_driver():
    assert with_async_driver("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert with_async_driver("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert with_async_driver("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_settings_come_from_asn_environment_variables(monkeypatch):
    monkeypatch.setenv("ASN_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("ASN_KAFKA_TOPIC_PREFIX", "staging.")
    settings = Settings(service="employee")
    assert settings.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.kafka_topic_prefix == "staging."


def test_production_refuses_the_development_secret():
    with pytest.raises(ValueError, match="ASN_INTERNAL_TOKEN_SECRET"):
        Settings(service="employee", environment="production")
    Settings(service="employee", environment="production", internal_token_secret="s3cret-from-the-vault")
