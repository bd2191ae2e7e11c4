from django.core.management.base import BaseCommand

from spirittours.schedules import schedules_install


class Command(BaseCommand):
    help = "Install the periodic jobs every app declares (idempotent)."

    def handle(self, *args, **options):
        created, existing = schedules_install()
        self.stdout.write(f"Periodic jobs: {created} installed, {existing} already present.")
