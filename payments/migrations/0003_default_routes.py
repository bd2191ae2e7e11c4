from django.db import migrations

# The original plan's routing: MercadoPago for most of Latin America, PayU for Colombia and Peru;
# every other country (Spain included) pays through Stripe, which needs no row.
DEFAULT_ROUTES = {
    "AR": "mercadopago",
    "BR": "mercadopago",
    "CL": "mercadopago",
    "MX": "mercadopago",
    "UY": "mercadopago",
    "CO": "payu",
    "PE": "payu",
}


def routes_create(apps, schema_editor):
    PaymentRoute = apps.get_model("payments", "PaymentRoute")
    for country, provider in DEFAULT_ROUTES.items():
        PaymentRoute.objects.get_or_create(country=country, defaults={"provider": provider})


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_gateways")]

    operations = [migrations.RunPython(routes_create, migrations.RunPython.noop)]
