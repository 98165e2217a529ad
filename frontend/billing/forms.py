"""Forms of the finance console: what a period, a filter or a void reason looks like before the billing
services (which have the last word) see it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from billing.models import PERIOD, Invoice
from tenants.models import Client


class MonthInput(forms.TextInput):
    """<input type=month>: browsers send YYYY-MM, the very form of a period; where a browser draws a
    plain text box, the placeholder says what to type."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}", **(attrs or {})})


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=7, validators=[PERIOD], widget=MonthInput, **kwargs)


class RunForm(forms.Form):
    period = PeriodField(label=_("Period"))


class FinalizePeriodForm(forms.Form):
    period = PeriodField(label=_("Period"))


class TenantChoice(forms.ModelChoiceField):
    def label_from_instance(self, client: Client) -> str:
        return f"{client.legal_name} ({client.slug})"


def billable_clients():
    return Client.objects.exclude(schema_name=get_public_schema_name()).order_by("slug")


class InvoiceFilter(forms.Form):
    """The invoice list's filters, read from the query string; every field is optional."""

    period = PeriodField(label=_("Period"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any")), *Invoice.Status.choices])
    tenant = TenantChoice(label=_("Client enterprise"), required=False, to_field_name="slug",
                          queryset=billable_clients(), empty_label=_("Any"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *Invoice.Kind.choices])


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    reissue = forms.BooleanField(
        label=_("Issue a corrected invoice"), required=False, initial=True,
        help_text=_("A new draft computed from the seat ledger and the plans as they are now."))
