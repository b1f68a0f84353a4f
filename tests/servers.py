"""Real servers and a breakable network for tests: `ivr serve` processes and a TCP relay."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator

from ivr.phone import HttpTransport, Reply
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running `ivr serve`: its base URL and its gunicorn master process."""

    url: str
    process: subprocess.Popen[bytes]

    def children(self) -> list[int]:
        """The master's children's pids: its gunicorn workers and its call-back worker."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def workers(self) -> list[int]:
        """The gunicorn workers' pids: the master's children, less its call-back worker."""
        return [pid for pid in self.children() if b"worker" not in command_line(pid)]


@contextmanager
def serving(
    database_url: str,
    workers: int = 2,
    env: dict[str, str] | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
) -> Iterator[Served]:
    """`ivr serve` on a free port against `database_url`, stopped however the test ends.

    `stdout` is where gunicorn's access log goes, `stderr` its error log and the line's own;
    nowhere if not given.
    """
    port = free_port()
    env = os.environ | {
        "IVR_DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    command = [sys.executable, "-m", "ivr", "serve", "--port", str(port)]
    output = stdout.open("wb") if stdout else subprocess.DEVNULL
    errors = stderr.open("wb") if stderr else subprocess.DEVNULL
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=errors,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_healthy(served)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for opened in (output, errors):
            if opened is not subprocess.DEVNULL:
                opened.close()  # type: ignore[union-attr]


def command_line(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return []


def wait_until_healthy(served: Served) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError(f"ivr serve exited with {served.process.returncode}")
        try:
            if requests.get(f"{served.url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"ivr serve at {served.url} did not become healthy")


class AlternatingTransport:
    """Sends each webhook to the next server in turn, signed for the URL it really goes to."""

    def __init__(self, bases: list[str]) -> None:
        self._bases = [urlsplit(base) for base in bases]
        self._turn = 0
        self._http = HttpTransport()
        self._validator = RequestValidator(TOKEN)

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply:
        base = self._bases[self._turn % len(self._bases)]
        self._turn += 1
        target = urlunsplit(urlsplit(url)._replace(scheme=base.scheme, netloc=base.netloc))
        signed = headers | {"X-Twilio-Signature": self._validator.compute_signature(target, params)}
        return self._http.post(target, params, signed)


class Relay:
    """A TCP relay to a server that a test can cut and restore, as a network fault would."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and break every open one."""
        assert self._listener is not None
        with self._lock:
            for sock in [self._listener, *self._open]:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            return
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            return
