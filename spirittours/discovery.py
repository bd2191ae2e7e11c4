"""Finding what each app declares for the site: periodic jobs, seed steps, areas.

An app declares them in a module of its own (`schedules.py` with SCHEDULES,
`seeds.py` with SEED_STEPS, `areas.py` with AREAS); the shell collects them
here, so a new app extends the site without editing another app.
"""

from importlib import import_module

from django.apps import apps


def app_declarations(*, module: str, name: str) -> list:
    """Every installed app's `<app>.<module>.<name>`, in INSTALLED_APPS order.

    An app without the module declares nothing; an error inside the module is raised.
    """
    found: list = []
    for config in apps.get_app_configs():
        try:
            declared = import_module(f"{config.name}.{module}")
        except ModuleNotFoundError as missing:
            if missing.name != f"{config.name}.{module}":
                raise
            continue
        found.extend(getattr(declared, name, []))
    return found
