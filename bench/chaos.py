"""The long chaos profile: the platform's real processes on PostgreSQL and the embedded broker, 5,000
registrations and a round of 300 cross-regency mutations to completion while services are SIGKILLed 22 times
(each at least four times) and the broker is restarted empty 3 times. Prints the kills survived, the
operations, what was lost or doubled, and how long after the last restart every invariant held again
(tests/chaos/scenario.py says which).

    .venv/bin/python bench/chaos.py [--registrations 5000] [--mutations 300] [--kills 22]
        [--broker-restarts 3] [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--seed N]
"""

import argparse
import asyncio
import sys
import time
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asn.dev import Platform
from asn.services import SERVICES
from shared.declaration import declare
from shared.net import free_port
from shared.settings import SERVICE_PORTS
from shared.testing import DatabaseFactory, DatabaseServer
from tests.chaos.scenario import LONG, run
from tests.support import platform_environment


async def main(arguments: argparse.Namespace) -> int:
    declare(SERVICES)
    profile = replace(
        LONG,
        registrations=arguments.registrations,
        mutations=arguments.mutations,
        kills=arguments.kills,
        broker_restarts=arguments.broker_restarts,
    )
    with TemporaryDirectory(prefix="asn-chaos-") as workdir:
        factory = DatabaseFactory(DatabaseServer(arguments.database_url), Path(workdir))
        try:
            urls = {name: await factory.create(name, Path(workdir)) for name in SERVICE_PORTS}
            platform = Platform(
                var_dir=Path(workdir) / "var",
                broker_port=free_port(),
                service_ports={name: free_port() for name in SERVICE_PORTS},
                database_urls=urls,
                extra_env=platform_environment(),
            )
            await asyncio.to_thread(platform.start)
            started = time.monotonic()
            try:
                outcome = await run(platform, profile, seed=arguments.seed)
            finally:
                await asyncio.to_thread(platform.stop)
        finally:
            await factory.drop_all()
    print(
        f"chaos, long profile on PostgreSQL ({time.monotonic() - started:.0f} s): {outcome.report()}",
        flush=True,
    )
    for problem in outcome.problems:
        print(f"  problem: {problem}")
    return 0 if not outcome.problems and outcome.lost == outcome.doubled == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--registrations", type=int, default=LONG.registrations)
    parser.add_argument("--mutations", type=int, default=LONG.mutations)
    parser.add_argument("--kills", type=int, default=LONG.kills)
    parser.add_argument("--broker-restarts", type=int, default=LONG.broker_restarts)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seed", type=int, default=20261207)
    sys.exit(asyncio.run(main(parser.parse_args())))
