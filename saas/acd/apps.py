from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcdConfig(AppConfig):
    name = "saas.acd"
    label = "acd"
    verbose_name = _("Call distribution")
