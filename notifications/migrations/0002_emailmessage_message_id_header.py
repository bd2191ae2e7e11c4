# Three steps, as Django recommends for a unique field on a table with rows: add it
# without the constraint, give every existing row its own value, then constrain it.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="emailmessage",
            name="message_id_header",
            field=models.CharField(editable=False, max_length=255, null=True, verbose_name="Message-ID"),
        ),
    ]
