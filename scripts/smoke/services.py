"""What production runs, started here: its database, RabbitMQ vhost and Redis prefixes, the
Procfile's processes, and an SMTP server standing in for the email provider.

Every name carries the run's id (`spirittours_smoke_run_<pid>`), so two runs on one machine
share nothing; a run that was killed leaves names whose process is gone, and the next run
removes them (`stale_runs_remove`).
"""

import contextlib
import hashlib
import importlib.metadata
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from notifications.tests.smtp_sink import SinkHandler, sink_start
from quotations.tests.browser import procfile_command
from spirittours.testing import free_port

from .progress import SmokeFailure

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_SERVER = "redis://127.0.0.1:6379"
# Redis database of the smoke runs: apart from the suite's (15), the benches' and the README's examples.
REDIS_DB = 12
RABBITMQ = "guest:guest@127.0.0.1:5672"
RUN_PREFIX = "spirittours_smoke_run_"
TEMPLATE_PREFIX = "spirittours_smoke_template_"
# The public name of the site, as nginx would receive it; every request and link uses it.
PUBLIC_HOST = "spirittours.smoke.test"
# Variables of the caller's environment the processes inherit; everything else is set here,
# so a DATABASE_URL or DEBUG exported by CI never reaches them.
INHERITED = ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
STOP_SECONDS = 20


@dataclass(frozen=True)
class Run:
    """The names and settings of one run."""

    id: str = field(default_factory=lambda: f"{RUN_PREFIX}{os.getpid()}")
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="spirittours-smoke-")))

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:5432/{self.id}"

    def env(self, *, smtp_port: int) -> dict[str, str]:
        """The production environment of every process of this run."""
        inherited = {name: os.environ[name] for name in INHERITED if name in os.environ}
        return {
            **inherited,
            "PATH": f"{BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "spirittours.settings",
            "DEBUG": "false",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": PUBLIC_HOST,
            "SITE_URL": f"https://{PUBLIC_HOST}",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"{REDIS_SERVER}/{REDIS_DB}",
            "CHANNEL_LAYER_PREFIX": self.id,
            "CELERY_BROKER_URL": f"amqp://{RABBITMQ}/{self.id}",
            "CELERY_BROKER_KEY_PREFIX": f"{self.id}:",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "SPIRITTOURS_VAR_DIR": str(self.folder / "var"),
            "STATIC_ROOT": str(self.folder / "static"),
            "PYTHONUNBUFFERED": "1",
        }


# --- Commands ----------------------------------------------------------------------------------


def command_run(args: list[str], *, env: dict[str, str] | None = None, what: str) -> str:
    """Run a command to its end; its output, or a failure with the output's end."""
    done = subprocess.run(  # noqa: S603 (our own commands, no shell)
        args, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise SmokeFailure(f"{what} failed (exit code {done.returncode}):\n{tail}")
    return done.stdout


def manage(env: dict[str, str], *args: str) -> str:
    return command_run([str(BIN / "python"), "manage.py", *args], env=env, what=f"manage.py {' '.join(args)}")


def manage_json(env: dict[str, str], code: str) -> object:
    """Run `code` in `manage.py shell`; it prints one line `SMOKE_JSON <json>`, which is returned."""
    output = manage(env, "shell", "--no-imports", "-c", code)
    for line in output.splitlines():
        if line.startswith("SMOKE_JSON "):
            return json.loads(line.removeprefix("SMOKE_JSON "))
    raise SmokeFailure(f"manage.py shell printed no SMOKE_JSON line:\n{output[-2000:]}")


# --- PostgreSQL --------------------------------------------------------------------------------


def migrations_fingerprint() -> str:
    """What the migrated schema depends on: the project's migration files and the version of every
    installed distribution (its libraries' migrations come with their versions). A change in
    either makes a new template; anything it missed, `migrate` on the copy still applies."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for name, version in sorted(
        (dist.metadata["Name"] or "", dist.version) for dist in importlib.metadata.distributions()
    ):
        digest.update(f"{name}=={version}\n".encode())
    return digest.hexdigest()[:16]


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as error:
        raise SmokeFailure(f"PostgreSQL ({POSTGRES_ADMIN_URL}) is not reachable: {error}") from error


def databases_named(prefix: str) -> list[str]:
    with _admin() as admin:
        rows = admin.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]).fetchall()
    return [name for (name,) in rows]


def database_drop(name: str, *, force: bool = True) -> None:
    """Drop `name`; `force` ends its connections first (else a database in use stays)."""
    statement = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
    with _admin() as admin:
        admin.execute(statement + sql.SQL(" WITH (FORCE)") if force else statement)


def templates_drop_except(template: str) -> None:
    """Drop the templates of other migrations (an older checkout's); one in use stays."""
    for name in databases_named(TEMPLATE_PREFIX):
        if name != template and re.fullmatch(rf"{TEMPLATE_PREFIX}[0-9a-f]+", name):
            with contextlib.suppress(psycopg.Error):
                database_drop(name, force=False)


def database_create(name: str, *, template: str | None = None) -> None:
    """A new, empty database, or a copy of `template` (which nobody may be connected to)."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin() as admin:
        admin.execute(statement)


def database_keep_as_template(*, source: str, template: str) -> None:
    """Copy the freshly migrated `source` as `template`, under a name of this run first, so a run
    starting meanwhile never copies a half-made template; another run's copy of the same
    migrations may win the rename, which is as good."""
    making = f"{template}_{os.getpid()}"
    database_create(making, template=source)
    try:
        with _admin() as admin:
            admin.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(making), sql.Identifier(template))
            )
    except psycopg.errors.DuplicateDatabase:
        database_drop(making)


# --- RabbitMQ ----------------------------------------------------------------------------------


def _rabbitmqctl(*args: str) -> str:
    return command_run(["rabbitmqctl", "--quiet", *args], what=f"rabbitmqctl {' '.join(args)}")


def vhost_add(name: str) -> None:
    _rabbitmqctl("add_vhost", name)
    _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")


def vhost_delete(name: str) -> None:
    _rabbitmqctl("delete_vhost", name)


def vhost_delete_if_present(name: str) -> None:
    if name in vhosts_named(name):
        vhost_delete(name)


def vhosts_named(prefix: str) -> list[str]:
    return [line for line in _rabbitmqctl("--silent", "list_vhosts", "name").split() if line.startswith(prefix)]


# --- Redis -------------------------------------------------------------------------------------


def redis_keys_delete(prefix: str) -> int:
    """Delete the keys under `prefix` (then ":" or "_": not another run's longer id) in the smoke
    runs' Redis database; how many there were."""
    client = redis.Redis.from_url(f"{REDIS_SERVER}/{REDIS_DB}", socket_timeout=10)
    keys = list(client.scan_iter(match=f"{prefix}[:_]*", count=500))
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


# --- Leftovers of killed runs ------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(names: list[str]) -> list[str]:
    """The names made by a run whose process is gone: its database and vhost, a template it was copying."""
    pattern = re.compile(rf"^(?:{RUN_PREFIX}|{TEMPLATE_PREFIX}[0-9a-f]+_)(\d+)$")
    return [name for name in names if (m := pattern.match(name)) and not _pid_alive(int(m[1]))]


def stale_runs_remove() -> list[str]:
    """Drop the databases and vhosts of runs whose process is gone (killed before cleaning up)."""
    databases = _stale(databases_named(RUN_PREFIX) + databases_named(TEMPLATE_PREFIX))
    vhosts = _stale(vhosts_named(RUN_PREFIX))
    for name in databases:
        database_drop(name)
    for name in vhosts:
        vhost_delete(name)
    return sorted({*databases, *vhosts})


# --- Processes ---------------------------------------------------------------------------------


def _die_with_parent() -> list[str]:
    """util-linux's setpriv, where there is one: the process gets SIGTERM if this script dies
    without stopping it (SIGKILL), instead of running on."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


class ProcfileProcess:
    """One process of the Procfile, started by its own line, as honcho or a container would."""

    def __init__(self, name: str, *, kind: str, env: dict[str, str], folder: Path, port: int | None = None):
        self.name = name
        self.port = port  # a web process's WEB_PORT
        self.terminated = False
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (the Procfile's own command)
                [*_die_with_parent(), "/bin/sh", "-c", f"exec {procfile_command(kind)}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopping it stops its children
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def terminate(self) -> None:
        """SIGTERM, once (a second one would make Celery stop without finishing its tasks)."""
        if self.process.poll() is None and not self.terminated:
            self.process.terminate()
            self.terminated = True

    def running(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self) -> str:
        """SIGTERM, then SIGKILL to its process group after STOP_SECONDS; how it ended."""
        self.terminate()
        try:
            code = self.process.wait(timeout=STOP_SECONDS)
            # uvicorn raises the signal again once it has shut down gracefully: -15 is a clean stop too.
            ended = f"stopped by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"
        except subprocess.TimeoutExpired:
            ended = f"killed after {STOP_SECONDS} s"
        # Whatever it forked and left behind: only this process group, which we created.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return ended


# --- Email -------------------------------------------------------------------------------------


class MailSink(SinkHandler):
    """The suite's SMTP sink, keeping every message whole: the portal links are read from the bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return answer

    def all(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.all() if address in str(message["To"])]

    def outbox_ids(self) -> list[int]:
        """The outbox row of each message received (its X-Spirittours-Email header)."""
        return [int(message["X-Spirittours-Email"]) for message in self.all()]


def mail_sink_start() -> tuple[MailSink, object]:
    sink = MailSink()
    return sink, sink_start(sink)


def port_free() -> int:
    return free_port()
