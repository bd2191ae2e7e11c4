import notifications.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_emailmessage_message_id_header_fill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="emailmessage",
            name="message_id_header",
            field=models.CharField(
                default=notifications.models.message_id_new,
                editable=False,
                max_length=255,
                unique=True,
                verbose_name="Message-ID",
            ),
        ),
    ]
