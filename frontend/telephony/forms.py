from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from saas.acd.models import GatewayIntegration


class GatewayForm(forms.ModelForm):
    """A gateway integration: its name and webhook; whether it is active once it exists."""

    webhook_url = forms.URLField(
        label=capfirst(GatewayIntegration._meta.get_field("webhook_url").verbose_name), required=False,
        assume_scheme="https",
        help_text=_("Commands are POSTed here, signed, while no gateway is connected. Leave it empty to have none."))

    class Meta:
        model = GatewayIntegration
        fields = ["name", "webhook_url", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["active"]  # a new integration is active
