"""A platform on one machine: the embedded broker and one uvicorn process per service, each migrated first.

`Platform` starts and stops those processes for the apps it is given; the composition root (`asn.dev`) gives
it the declared services, for `asn dev` and for the end-to-end tests with their own ports and directories.
"""

import os
import signal
import sys
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, TracebackType
from typing import Self

import httpx

from shared.broker import ChildProcess, EmbeddedBroker, describe_exit
from shared.net import port_is_free

PID_FILE = "platform.pids"
SUPERVISOR = "supervisor"
# Markers in the command line of the processes a crashed run may have left behind; anything else that
# happens to reuse one of their pids is left alone.
_OUR_COMMANDS = (b"uvicorn", b"tansu")
_PROJECT_ROOT = Path(__file__).resolve().parents[1]


class PlatformError(RuntimeError):
    """The platform could not be started, or one of its processes failed."""


class Platform:
    """The broker and the services as child processes, each with its log under `var_dir`.

    `apps` names each service's app factory ("package.module:create_app", as uvicorn loads it) and `cli` is
    the command line of the command that migrates one: `cli` + `migrate --service <name>`.
    """

    def __init__(
        self,
        *,
        var_dir: Path,
        broker_port: int,
        service_ports: Mapping[str, int],
        apps: Mapping[str, str],
        cli: Sequence[str],
        database_urls: dict[str, str] | None = None,
        extra_env: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        log_to_files: bool = True,
    ) -> None:
        self.var_dir = var_dir
        self.host = host
        self.service_ports = dict(service_ports)
        self.apps = {name: apps[name] for name in self.service_ports}
        self.cli = list(cli)
        self.database_urls = dict(database_urls or {})
        self.extra_env = dict(extra_env or {})
        self.log_to_files = log_to_files
        self.broker = EmbeddedBroker(host, broker_port, log_path=self.log_path("broker"))
        self._children: dict[str, ChildProcess] = {}
        # The pid file of another run using var_dir is left alone (see `stop_stale_processes`).
        self._owns_pid_file = False

    @property
    def pid_file(self) -> Path:
        return self.var_dir / PID_FILE

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.service_ports[name]}"

    def log_path(self, name: str) -> Path | None:
        """Where the output of `name` (a service, "broker", "seed-<service>") goes; None without log files."""
        return self.var_dir / f"{name}.log" if self.log_to_files else None

    def env_of(self, name: str) -> dict[str, str]:
        """The environment of service `name` (and of its migrations and seed commands)."""
        env = {key: value for key, value in os.environ.items() if key != "ASN_DATABASE_URL"}
        env.update(self.extra_env)
        # The children import the same code as this process, whatever their working directory.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), env.get("PYTHONPATH")]))
        env.update(
            {
                "ASN_SERVICE": name,
                "ASN_HOST": self.host,
                "ASN_PORT": str(self.service_ports[name]),
                "ASN_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap_servers,
                "ASN_VAR_DIR": str(self.var_dir.resolve()),
            }
        )
        # Without an explicit URL each service uses its own SQLite file under ASN_VAR_DIR; an inherited
        # ASN_DATABASE_URL would put all five services in one database.
        if name in self.database_urls:
            env["ASN_DATABASE_URL"] = self.database_urls[name]
        for other in self.service_ports:
            env[f"ASN_{other.upper()}_URL"] = self.url(other)
        return env

    def start(self, timeout: float = 60.0) -> None:
        """Start the broker, migrate every service, start the services and wait until all are ready."""
        deadline = time.monotonic() + timeout
        self.var_dir.mkdir(parents=True, exist_ok=True)
        stop_stale_processes(self.pid_file)
        self._check_ports_free()
        try:
            self.broker.start()
            self._write_pids()
            self.broker.wait_ready(max(deadline - time.monotonic(), 0.0))
            self._migrate(deadline)
            for name in self.service_ports:
                self._spawn(name)
            self._wait_ready(list(self.service_ports), deadline)
        except BaseException:
            self.stop()
            raise

    def _check_ports_free(self) -> None:
        wanted = {"broker": self.broker.port, **self.service_ports}
        taken = [f"{port} ({name})" for name, port in wanted.items() if not port_is_free(self.host, port)]
        if taken:
            raise PlatformError(
                f"already in use on {self.host}: port {', '.join(taken)}; stop whatever listens there "
                "(another `asn dev`?) or choose other ports"
            )

    def _migrate(self, deadline: float) -> None:
        # In parallel: each service has its own database, and every Python start costs about a second.
        runs = {
            name: ChildProcess(
                [*self.cli, "migrate", "--service", name],
                log_path=self.log_path(name),
                env=self.env_of(name),
            )
            for name in self.service_ports
        }
        run_to_end(runs.values(), deadline)
        failed = [
            f"{name} ({describe_exit(run.returncode)}):\n{run.tail()}"
            for name, run in runs.items()
            if run.returncode != 0
        ]
        if failed:
            raise PlatformError("migrations failed: " + "\n".join(failed))

    def _spawn(self, name: str) -> None:
        env = self.env_of(name)
        # As `asn serve` does (shared.settings.forwarded_header_options): forwarded headers are believed only
        # from ASN_TRUSTED_PROXIES, never from uvicorn's default of 127.0.0.1.
        trusted = env.get("ASN_TRUSTED_PROXIES", "").strip()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.apps[name],
            "--factory",
            "--host",
            self.host,
            "--port",
            str(self.service_ports[name]),
            "--no-access-log",
            *(["--forwarded-allow-ips", trusted] if trusted else ["--no-proxy-headers"]),
        ]
        self._children[name] = ChildProcess(command, log_path=self.log_path(name), env=env)
        self._write_pids()

    def _wait_ready(self, names: list[str], deadline: float) -> None:
        pending = list(names)
        last_answer: dict[str, str] = {}
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while pending:
                for name in list(pending):
                    child = self._children[name]
                    if not child.is_running():
                        raise PlatformError(
                            f"{name} exited ({describe_exit(child.returncode)}) before it was ready"
                            + self._log_excerpt(name)
                        )
                    try:
                        response = client.get(self.url(name) + "/ready")
                    except httpx.HTTPError as error:
                        last_answer[name] = repr(error)
                        continue
                    if response.status_code == 200:
                        pending.remove(name)
                    else:
                        last_answer[name] = f"{response.status_code} {response.text[:300]}"
                if pending and time.monotonic() >= deadline:
                    name = pending[0]
                    raise PlatformError(
                        f"not ready in time: {', '.join(pending)}; {name} last answered "
                        f"{last_answer.get(name, 'nothing')}" + self._log_excerpt(name)
                    )
                if pending:
                    time.sleep(0.1)

    def _log_excerpt(self, name: str) -> str:
        child = self._children.get(name)
        where = f" ({self.log_path(name)})" if self.log_to_files else ""
        return f"; last lines of its log{where}:\n{child.tail() if child else ''}"

    def log_tail(self, name: str, lines: int = 20) -> str:
        """The last lines of a running or dead service's log (`broker` for the broker's)."""
        if name == "broker":
            return self.broker.log_tail(lines)
        child = self._children.get(name)
        return child.tail(lines) if child else ""

    def exited(self) -> dict[str, int]:
        """Processes that died although nobody stopped or killed them: name -> exit code."""
        codes = {name: child.returncode for name, child in self._children.items()}
        codes["broker"] = self.broker.returncode
        return {name: code for name, code in codes.items() if code is not None}

    def kill(self, name: str) -> None:
        """SIGKILL one service, as a crash would; it stays down until `restart(name)`."""
        child = self._children.pop(name, None)
        if child is not None:
            child.kill()
            self._write_pids()

    def restart(self, name: str, timeout: float = 60.0) -> None:
        """Start one service again (stopping it first if it still runs) and wait until it is ready."""
        running = self._children.pop(name, None)
        if running is not None:
            running.stop()
        self._spawn(name)
        self._wait_ready([name], time.monotonic() + timeout)

    def restart_broker(self, timeout: float = 30.0) -> None:
        """Start the broker again (stopping it first if it still runs): it comes back empty, and each
        service notices and restores its part (shared.events.continuity)."""
        self.broker.stop()
        self.broker.start()
        self._write_pids()
        self.broker.wait_ready(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the services, then the broker (consumers leave their groups cleanly); SIGKILL leftovers."""
        deadline = time.monotonic() + timeout
        children = list(self._children.values())
        for child in children:
            child.signal(signal.SIGTERM)
        for child in children:
            child.finish(deadline)
        self._children.clear()
        self.broker.stop()
        if self._owns_pid_file:
            self.pid_file.unlink(missing_ok=True)
            self._owns_pid_file = False

    def _write_pids(self) -> None:
        pids = {SUPERVISOR: os.getpid(), **{name: child.pid for name, child in self._children.items()}}
        if self.broker.pid is not None:
            pids["broker"] = self.broker.pid
        self.pid_file.write_text("".join(f"{name} {pid}\n" for name, pid in pids.items()))
        self._owns_pid_file = True

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def stop_stale_processes(pid_file: Path, timeout: float = 5.0) -> list[int]:
    """Stop the processes a crashed earlier run recorded in `pid_file`; returns the pids it stopped.

    Children normally die with their parent (PR_SET_PDEATHSIG); this covers the rest, e.g. a parent on a
    platform without it. While the run that wrote the file is alive nothing is touched: its ports are
    taken, and starting fails with a message saying so.
    """
    if not pid_file.exists():
        return []
    pids = _read_pids(pid_file)
    supervisor = pids.pop(SUPERVISOR, None)
    if supervisor is not None and _alive(supervisor):
        return []
    stale = [pid for pid in pids.values() if _is_ours(pid)]
    for pid in stale:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(_is_ours(pid) for pid in stale) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in stale:
        if _is_ours(pid):
            _signal(pid, signal.SIGKILL)
    pid_file.unlink()
    return stale


def _read_pids(pid_file: Path) -> dict[str, int]:
    """`name pid` per line; lines that are not (a file cut short by a crash) are skipped."""
    pids = {}
    for line in pid_file.read_text().splitlines():
        match line.split():
            case [name, pid] if pid.isdigit():
                pids[name] = int(pid)
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_ours(pid: int) -> bool:
    """The pid is alive (not a zombie: its command line is empty then) and runs uvicorn or tansu."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return any(marker in command for marker in _OUR_COMMANDS)


def run_to_end(runs: Collection[ChildProcess], deadline: float) -> None:
    """Wait for one-off commands until `deadline`; if we are interrupted meanwhile, stop them too."""
    try:
        for run in runs:
            run.finish(deadline)
    except BaseException:
        for run in runs:
            run.stop()
        raise


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM and SIGINT raise KeyboardInterrupt, so both take the same way out; handlers are restored."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def supervise(platform: Platform) -> int:
    """Block until interrupted (KeyboardInterrupt propagates) or until a service dies (returns 1); a
    broker that dies is started again, and the services bring their events back by themselves."""
    while True:
        dead = platform.exited()
        if "broker" in dead:
            say(
                f"asn dev: the broker died ({describe_exit(dead.pop('broker'))}); starting it again. "
                f"Last lines of its log:\n{platform.log_tail('broker')}",
                error=True,
            )
            platform.restart_broker()
        if dead:
            for name, code in dead.items():
                say(
                    f"asn dev: {name} died unexpectedly ({describe_exit(code)}); last lines of its log:\n"
                    f"{platform.log_tail(name)}",
                    error=True,
                )
            return 1
        time.sleep(0.5)


def say(message: str, *, error: bool = False) -> None:
    # Flushed at once, so progress and errors keep their order when the output goes to a file or a pipe.
    print(message, file=sys.stderr if error else sys.stdout, flush=True)
