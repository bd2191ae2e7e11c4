from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhatsappBotConfig(AppConfig):
    name = "whatsapp_bot"
    verbose_name = _("WhatsApp bot")
