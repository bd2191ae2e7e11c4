from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_emailmessage_message_id_header_unique"),
    ]

    operations = [
        migrations.AlterField(
            model_name="emailmessage",
            name="template",
            field=models.CharField(
                choices=[
                    ("quotation_created", "Quotation created"),
                    ("quotation_approved", "Quotation approved"),
                    ("hotel_invitation", "Hotel invitation"),
                    ("payment_received", "Payment received"),
                    ("booking_confirmed", "Booking confirmed"),
                    ("guide_assigned", "Guide assigned"),
                    ("payment_reminder", "Payment reminder"),
                    ("deadline_warning", "Deadline warning"),
                    ("cancellation_notice", "Cancellation notice"),
                    ("refund_processed", "Refund processed"),
                    ("quotation_sent", "Quote sent"),
                    ("client_changes_requested", "Client asked for changes"),
                    ("client_declined", "Client declined"),
                    ("hotel_activity", "Hotel activity"),
                    ("bidding_incomplete", "Bidding closed incomplete"),
                    ("password_reset", "Password reset"),
                ],
                max_length=30,
                verbose_name="template",
            ),
        ),
    ]
