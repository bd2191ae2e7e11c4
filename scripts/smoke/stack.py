"""This run's stack: its database, vhost and static files, the Procfile's four processes, the
SMTP sink; up until both web processes say they are healthy, and down again."""

import shutil
from concurrent.futures import ThreadPoolExecutor

import requests
from aiosmtpd.controller import Controller

from .progress import NotYet, Progress, SmokeFailure, wait_for
from .services import (
    PUBLIC_HOST,
    TEMPLATE_PREFIX,
    MailSink,
    ProcfileProcess,
    Run,
    database_create,
    database_drop,
    database_keep_as_template,
    databases_named,
    mail_sink_start,
    manage,
    migrations_fingerprint,
    port_free,
    redis_keys_delete,
    stale_runs_remove,
    templates_drop_except,
    vhost_add,
    vhost_delete_if_present,
)

WEBS = ("web-a", "web-b")


class Stack:
    """Everything this run starts and creates, and how to take it all down again."""

    def __init__(self) -> None:
        self.run = Run()
        self.sink: MailSink | None = None
        self.sink_controller: Controller | None = None
        self.processes: dict[str, ProcfileProcess] = {}
        self.failed = False  # keep the logs

    @property
    def env(self) -> dict[str, str]:
        return self.run.env(smtp_port=self.sink_controller.port)

    def port(self, web: str) -> int:
        return self.processes[web].port

    def log(self, name: str) -> str:
        return self.processes[name].log_text()


def database_prepare(stack: Stack, *, fresh: bool) -> str:
    """This run's database: a copy of the template of these migrations, then `migrate`
    (nothing left to apply); without a template, an empty one migrated and kept as the template."""
    env, name = stack.env, stack.run.id
    template = TEMPLATE_PREFIX + migrations_fingerprint()
    database_drop(name)
    if template in databases_named(template) and not fresh:
        database_create(name, template=template)
        output = manage(env, "migrate", "--noinput")
        return f"copied from {template}; migrate: {output.strip().splitlines()[-1].strip()}"
    database_create(name)
    manage(env, "migrate", "--noinput")
    templates_drop_except(template)
    database_keep_as_template(source=name, template=template)
    return f"migrated from empty; kept as {template}"


def stack_prepare(stack: Stack, progress: Progress, *, fresh: bool) -> None:
    with progress.step("Remove what killed runs left behind"):
        for name in stale_runs_remove():
            progress.note(f"removed {name}")
    stack.sink, stack.sink_controller = mail_sink_start()
    progress.note(f"SMTP sink on 127.0.0.1:{stack.sink_controller.port}; logs in {stack.run.folder}")
    with progress.step(f"Database {stack.run.id}, vhost and static files"), ThreadPoolExecutor(3) as pool:
        database = pool.submit(database_prepare, stack, fresh=fresh)
        vhost = pool.submit(vhost_add, stack.run.id)
        static = pool.submit(manage, stack.env, "collectstatic", "--noinput")
        vhost.result()
        static.result()
        progress.note(database.result())


def stack_start(stack: Stack, progress: Progress) -> None:
    with progress.step("Start web A, web B, worker and beat from the Procfile"):
        for name in WEBS:
            port = port_free()
            # A long heartbeat: a frame on a socket then comes through the channel layer, never
            # from the heartbeat's catch-up from the database, which would hide a broken layer.
            env = {**stack.env, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port), "ROOM_HEARTBEAT_SECONDS": "3600"}
            stack.processes[name] = ProcfileProcess(name, kind="web", env=env, folder=stack.run.folder, port=port)
        for kind in ("worker", "beat"):
            stack.processes[kind] = ProcfileProcess(kind, kind=kind, env=stack.env, folder=stack.run.folder)
        progress.note(", ".join(f"{name} pid {process.pid}" for name, process in stack.processes.items()))
    with progress.step("Wait for GET /health/ to answer 200 on both web processes"):
        for name in WEBS:
            body = wait_for(f"{name} healthy", lambda name=name: health_probe(stack, name))
            progress.note(f"{name} (port {stack.port(name)}): {body['status']}, {', '.join(body.get('checks', {}))}")


def processes_check(stack: Stack) -> None:
    for name, process in stack.processes.items():
        if not process.running():
            raise SmokeFailure(f"{name} exited with {process.process.returncode}:\n{process.log_tail()}")


def health_probe(stack: Stack, name: str) -> dict:
    """/health/ as the load balancer asks it; NotYet while it answers 503 (a part still starting)."""
    processes_check(stack)
    headers = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"}
    try:
        response = requests.get(f"http://127.0.0.1:{stack.port(name)}/health/", headers=headers, timeout=30)
    except requests.RequestException as error:
        raise NotYet(f"no answer: {error.__class__.__name__}") from None
    if response.status_code == 200 and response.json().get("status") == "ok":
        return response.json()
    if response.status_code in (502, 503, 504):
        raise NotYet(f"{response.status_code} {response.text[:300]}")
    raise SmokeFailure(f"{name}: GET /health/ answered {response.status_code}: {response.text[:300]}")


def stack_stop(stack: Stack, progress: Progress) -> list[str]:
    """Stop and remove everything; the problems met on the way (none when all went well)."""
    problems = []
    with progress.step("Stop the processes, drop the database, delete the vhost"):
        for process in stack.processes.values():
            process.terminate()
        for name, process in stack.processes.items():
            progress.note(f"{name}: {process.stop()}")
        if stack.sink_controller is not None:
            stack.sink_controller.stop()
        for remove in (
            lambda: database_drop(stack.run.id),
            lambda: vhost_delete_if_present(stack.run.id),
            lambda: redis_keys_delete(stack.run.id),
        ):
            try:
                remove()
            except Exception as error:  # one failed removal must not stop the others
                problems.append(f"cleaning up: {error}")
        for folder in ("static", "var"):
            shutil.rmtree(stack.run.folder / folder, ignore_errors=True)
        if stack.failed:
            progress.note(f"logs kept in {stack.run.folder}")
        else:
            shutil.rmtree(stack.run.folder, ignore_errors=True)
    return problems
