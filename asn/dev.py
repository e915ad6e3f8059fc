"""`asn dev`: the whole platform on one machine - the embedded broker, migrations, the declared services -
supervised until Ctrl-C, with the demo seed. `Platform` is shared.supervision's for the declared services;
the end-to-end tests use it with their own ports and directories."""

import os
import signal
import sys
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from asn.seed import SEEDED_SERVICES
from asn.services import BY_NAME, SERVICES
from shared import clock, supervision
from shared.broker import BrokerError, ChildProcess, describe_exit
from shared.supervision import PlatformError, interrupt_on_sigterm, run_to_end, say, supervise

BROKER_PORT = 9092
# The SIASN contract fake with the demo province's agency (services.employee.demo.siasn): `make dev` syncs
# with it unless ASN_SIASN_ENABLED says how to reach a real SIASN.
SIASN_FAKE_PORT = 8095
# How the platform runs `asn` (migrations, the seed): this interpreter, whatever the PATH says.
CLI = (sys.executable, "-m", "asn")


class Platform(supervision.Platform):
    """The declared services (all of them, on their own ports, unless told which and where) and the broker."""

    def __init__(
        self,
        *,
        broker_port: int = BROKER_PORT,
        service_ports: Mapping[str, int] | None = None,
        **options: Any,
    ) -> None:
        ports = dict(service_ports) if service_ports is not None else {s.name: s.port for s in SERVICES}
        apps = {name: BY_NAME[name].app for name in ports}
        super().__init__(broker_port=broker_port, service_ports=ports, apps=apps, cli=CLI, **options)


def run_dev(*, seed: bool = True, var_dir: Path = Path("var")) -> int:
    """Run the platform on the standard ports until Ctrl-C or SIGTERM; 1 when it fails or a process dies."""
    with_fake = "ASN_SIASN_ENABLED" not in os.environ
    platform = Platform(var_dir=var_dir, extra_env=siasn_fake_env(SIASN_FAKE_PORT) if with_fake else None)
    siasn: ChildProcess | None = None
    with interrupt_on_sigterm():
        try:
            say(f"starting the broker and {len(platform.service_ports)} services (logs in {var_dir}/) ...")
            if with_fake:
                siasn = _start_siasn_fake(platform, demo_day())
            platform.start()
            if seed:
                _seed(platform)
            _print_urls(platform, siasn)
            return supervise(platform)
        except KeyboardInterrupt:
            return 0
        except (PlatformError, BrokerError) as error:
            say(f"asn dev: {error}", error=True)
            return 1
        finally:
            # Ctrl-C again must not cut the shutdown short and leave children behind.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            say("stopping ...")
            platform.stop()
            if siasn is not None:
                siasn.stop()
            say("stopped")


def demo_day() -> date:
    """The day the demo seed stands on, as `asn seed` takes it by default."""
    return date(clock.today().year, 1, 1)


def siasn_fake_env(port: int) -> dict[str, str]:
    """The employee service's SIASN settings for the fake on `port` (its credentials are the fake's own)."""
    url = f"http://127.0.0.1:{port}"
    return {
        "ASN_SIASN_ENABLED": "true",
        "ASN_SIASN_API_URL": f"{url}/apisiasn/1.0",
        "ASN_SIASN_REFERENSI_URL": f"{url}/referensi_siasn/1",
        "ASN_SIASN_GATEWAY_TOKEN_URL": f"{url}/oauth2/token",
        "ASN_SIASN_SSO_TOKEN_URL": f"{url}/auth/realms/public-siasn/protocol/openid-connect/token",
        "ASN_SIASN_CONSUMER_KEY": "fake-consumer-key",
        "ASN_SIASN_CONSUMER_SECRET": "fake-consumer-secret",
        "ASN_SIASN_SSO_CLIENT_ID": "fake-instansi-client",
        "ASN_SIASN_USERNAME": "199001012015031001",
        "ASN_SIASN_PASSWORD": "fake-operator-password",
        "ASN_SIASN_PACE_SECONDS": "0",
    }


def _start_siasn_fake(platform: Platform, day: date) -> ChildProcess:
    platform.var_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "services.employee.demo.siasn", "--port", str(SIASN_FAKE_PORT),
        "--as-of", day.isoformat(),
    ]  # fmt: skip
    return ChildProcess(command, log_path=platform.log_path("siasn-fake"), env=platform.env_of("employee"))


def _seed(platform: Platform) -> None:
    # Each seeded service gets its demo data (the gateway: the demo users) in its own database, with its own
    # environment; the runs are independent (the same seed number gives each the same people), so they go in
    # parallel. Each adds nothing where its data is there already, so this runs on every start.
    runs = {
        name: ChildProcess(
            [*CLI, "seed", "--service", name],
            log_path=platform.log_path(f"seed-{name}"),
            env=platform.env_of(name),
        )
        for name in SEEDED_SERVICES
        if name in platform.service_ports
    }
    run_to_end(runs.values(), time.monotonic() + 300)
    for name, run in runs.items():
        if run.returncode != 0:
            say(
                f"warning: seeding the {name} demo data failed ({describe_exit(run.returncode)}); "
                f"the platform runs without it:\n{run.tail(5)}",
                error=True,
            )


def _print_urls(platform: Platform, siasn: ChildProcess | None) -> None:
    rows = [
        ("gateway", platform.url("gateway")),
        ("API docs", platform.url("gateway") + "/docs"),
        *((name, platform.url(name)) for name in platform.service_ports if name != "gateway"),
        ("broker", f"{platform.broker.bootstrap_servers} (Kafka protocol)"),
        *([("SIASN (fake)", f"http://127.0.0.1:{SIASN_FAKE_PORT}")] if siasn else []),
    ]
    width = max(len(name) for name, _ in rows)
    table = "\n".join(f"  {name.ljust(width)}  {where}" for name, where in rows)
    say(f"\nASN platform is up:\n{table}\nlogs: {platform.var_dir}/<name>.log    Ctrl-C stops everything\n")
