from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpiritToursConfig(AppConfig):
    name = "spirittours"
    verbose_name = _("Spirit Tours")
