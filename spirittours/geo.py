"""Countries and currencies the tour operator trades in.

Countries are ISO 3166-1 alpha-2 codes of the markets served; currencies are
ISO 4217 codes with the number of decimals they are quoted in.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    AR = "AR", _("Argentina")
    BO = "BO", _("Bolivia")
    BR = "BR", _("Brazil")
    CA = "CA", _("Canada")
    CL = "CL", _("Chile")
    CO = "CO", _("Colombia")
    CR = "CR", _("Costa Rica")
    DE = "DE", _("Germany")
    DO = "DO", _("Dominican Republic")
    EC = "EC", _("Ecuador")
    ES = "ES", _("Spain")
    FR = "FR", _("France")
    GB = "GB", _("United Kingdom")
    GT = "GT", _("Guatemala")
    IT = "IT", _("Italy")
    MX = "MX", _("Mexico")
    PA = "PA", _("Panama")
    PE = "PE", _("Peru")
    PR = "PR", _("Puerto Rico")
    PT = "PT", _("Portugal")
    PY = "PY", _("Paraguay")
    SV = "SV", _("El Salvador")
    US = "US", _("United States")
    UY = "UY", _("Uruguay")


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro")
    USD = "USD", _("US dollar")
    GBP = "GBP", _("Pound sterling")
    MXN = "MXN", _("Mexican peso")
    COP = "COP", _("Colombian peso")
    ARS = "ARS", _("Argentine peso")
    PEN = "PEN", _("Peruvian sol")
    CLP = "CLP", _("Chilean peso")
    BRL = "BRL", _("Brazilian real")
