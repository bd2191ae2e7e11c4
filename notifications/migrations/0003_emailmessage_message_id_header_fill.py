# Every email already in the outbox gets its own Message-ID, kept for its later attempts
# (rows already sent are never sent again, so their earlier header does not matter).

from django.db import migrations


def fill(apps, schema_editor):
    from notifications.models import message_id_new

    EmailMessage = apps.get_model("notifications", "EmailMessage")
    pending = EmailMessage.objects.filter(message_id_header__isnull=True).only("pk")
    for message in pending.iterator(chunk_size=1000):
        EmailMessage.objects.filter(pk=message.pk).update(message_id_header=message_id_new())


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_emailmessage_message_id_header"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
