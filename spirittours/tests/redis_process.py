"""A redis-server of the test's own, on a free port, that the test may kill and start again.

Fault tests kill Redis; the shared one on 6379 serves everybody else, so they
never touch it. The private server keeps nothing on disk (`--save ''`): a
restart comes back empty, as a Redis without persistence does in production.
"""

import shutil
import subprocess
import tempfile
import time

import redis

from spirittours.testing import free_port


class RedisProcess:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="spirittours-redis-")
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        """Start (again, on the same port) and wait until it answers PING."""
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.process.returncode}")
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        self.kill()
        raise RuntimeError("redis-server did not answer in 30 s")

    def kill(self) -> None:
        """SIGKILL: connections drop at once, nothing is flushed, as when the host dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
