"""Forms of the licence registry. They turn what a compliance officer picks into the keyword arguments
of the compliance services; the services, and the rules they guard with, have the last word."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from compliance import provinces
from compliance.models import AnnualReport, Licence, PlatformSite, ResponsibleEntity
from compliance.rules import RULES
from compliance.rules.licence import expected_issuer, issuer_name
from saas.api.errors import DomainError
from tenants.models import Client

# GB/T 2260 codes start with their region's digit; the grids and selects group provinces by it.
REGIONS = {"1": _("North China"), "2": _("Northeast"), "3": _("East China"), "4": _("Central and South China"),
           "5": _("Southwest"), "6": _("Northwest")}


def province_choices() -> list[tuple]:
    groups: dict[str, list] = {}
    for code in provinces.codes():
        groups.setdefault(code[0], []).append((code, provinces.name(code)))
    return [(REGIONS[digit], options) for digit, options in groups.items()]


def issuer_choices() -> list[tuple]:
    return [("", _("Follow the coverage")), ("MIIT", issuer_name("MIIT")),
            *((code, issuer_name(code)) for code in provinces.codes())]


class ProvinceGrid(forms.CheckboxSelectMultiple):
    """The 31 provinces as checkboxes under their regions, with switches for all of them and for each
    region (hidden until registry_scripts.html wires them, so the page works without script)."""

    template_name = "frontend/compliance/registry_widget_provinces.html"


class ProvinceField(forms.MultipleChoiceField):
    widget = ProvinceGrid

    def __init__(self, **kwargs):
        super().__init__(choices=province_choices, **kwargs)

    def clean(self, value):
        return sorted(super().clean(value))  # the registry keeps codes in GB/T 2260 order


class ProvinceSelect(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=lambda: [("", "—"), *province_choices()], **kwargs)


ISSUER_HELP = _("Left to the coverage: MIIT for two provinces or more, else that province's administration.")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HolderField(forms.ModelChoiceField):
    def label_from_instance(self, client):
        if client.is_platform:
            return _("%(name)s (platform operator)") % {"name": client.legal_name}
        return str(client)


class LicenceForm(forms.ModelForm):
    # The holders the API accepts too: the operator (first), then every tenant that is not archived.
    holder = HolderField(label=_("Licence holder"), queryset=Client.objects.filter(
        Q(schema_name=get_public_schema_name()) | ~Q(status=Client.Status.ARCHIVED)).order_by(
        Case(When(schema_name=get_public_schema_name(), then=Value(0)), default=Value(1)), "slug"))
    coverage = ProvinceField(label=_("Coverage"))
    issuer = forms.ChoiceField(label=_("Issuer"), choices=issuer_choices, required=False, help_text=ISSUER_HELP)

    class Meta:
        model = Licence
        fields = ["holder", "number", "scope", "topology", "issuer", "valid_from", "valid_until", "document",
                  "outbound_commitment_on", "coverage"]
        widgets = {"valid_from": DATE, "valid_until": DATE, "outbound_commitment_on": DATE}

    def clean(self):
        data = super().clean()
        if data.get("coverage") and not data.get("issuer"):
            data["issuer"] = expected_issuer(data["coverage"])
        return data


class LicenceEditForm(forms.ModelForm):
    """What may change on a licence without an amendment; topology, coverage and issuer go through a
    topology change request (TOP-04)."""

    class Meta:
        model = Licence
        fields = ["valid_from", "valid_until", "document", "outbound_commitment_on"]
        widgets = {"valid_from": DATE, "valid_until": DATE, "outbound_commitment_on": DATE}


class AnnualReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["year", "filed_on"]
        widgets = {"filed_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial, self.fields["filed_on"].initial = today.year - 1, today

    # The model checks that the report follows its year; a filing date not yet reached is the form's
    # and the API's own check (a report can be recorded only once filed).
    def clean_filed_on(self):
        filed_on = self.cleaned_data["filed_on"]
        if filed_on > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return filed_on


class SiteForm(forms.ModelForm):
    province = ProvinceSelect(label=_("Province"))
    responsible_for = ProvinceField(label=_("Answers for"), required=False,
                                    help_text=_("Hybrid topology: the provinces this platform answers for."))

    class Meta:
        model = PlatformSite
        fields = ["name", "province", "city", "responsible_for"]


class SiteStateForm(forms.Form):
    """Activating or retiring a site: the engine checks activation against the licence (TOP, COV, BR)."""

    state = forms.ChoiceField(choices=[(PlatformSite.State.ACTIVE, _("Activate")),
                                       (PlatformSite.State.RETIRED, _("Retire"))])


class EntityForm(forms.ModelForm):
    province = ProvinceSelect(label=_("Province"))
    answers_for = ProvinceField(label=_("Answers for"), required=False)

    class Meta:
        model = ResponsibleEntity
        fields = ["name", "kind", "province", "answers_for"]


class TopologyChangeForm(forms.Form):
    """A change request, prefilled with what the licence says now; one province grid per site that is
    not retired, for what it will answer for once the change is applied."""

    topology = forms.ChoiceField(label=_("New topology"), choices=Licence.Topology.choices)
    issuer = forms.ChoiceField(label=_("New issuer"), choices=issuer_choices, required=False, help_text=ISSUER_HELP)
    coverage = ProvinceField(label=_("New coverage"))
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, licence: Licence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topology"].initial = licence.topology
        self.fields["coverage"].initial = licence.coverage
        self.sites = {f"site_{site.pk}": site for site in licence.sites.exclude(state=PlatformSite.State.RETIRED)}
        for name, site in self.sites.items():
            self.fields[name] = ProvinceField(
                label=_("%(site)s answers for") % {"site": site}, required=False, initial=site.responsible_for)
        self.order_fields(["topology", "issuer", "coverage", *self.sites, "reason"])

    def clean(self):
        data = super().clean()
        data["site_responsibilities"] = {str(site.pk): data.pop(name, []) for name, site in self.sites.items()}
        return data


class FileChangeForm(forms.Form):
    filing_reference = forms.CharField(label=_("Filing reference"), max_length=100)
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE, initial=timezone.localdate)


class ApproveChangeForm(forms.Form):
    approval_reference = forms.CharField(label=_("Approval reference"), max_length=100,
                                         help_text=_("The reference of the amended licence."))
    decided_on = forms.DateField(label=_("Approved on"), widget=DATE, initial=timezone.localdate)


class RejectChangeForm(forms.Form):
    decided_on = forms.DateField(label=_("Rejected on"), widget=DATE, initial=timezone.localdate)


class ApplyChangeForm(forms.Form):
    """Nothing to type: applying puts the approved change into effect."""


# --- Refusals -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    """A rule's refusal as the page shows it: its id, its message, and every violation the action
    would have created (the first is the message itself)."""

    rule: str
    message: str
    violations: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}" if self.rule else self.message


def attach_refusal(form: forms.BaseForm, error: DomainError) -> None:
    """Put a service's refusal on the form: validation messages next to the fields they name (the rest,
    named or not, above the form), and a conflict above the form with its rule's id if it has one."""
    if error.code == "invalid" and error.details:
        for name, texts in error.details.items():
            for text in texts if isinstance(texts, list) else [texts]:
                if name in form.fields:
                    form.add_error(name, str(text))
                else:
                    form.add_error(None, str(text) if name == "__all__" else f"{name}: {text}")
        return
    refusal = Refusal(rule=error.code if error.code in RULES else "", message=str(error.message),
                      violations=list(error.details.get("violations", [])))
    form.refusal = refusal
    form.add_error(None, str(refusal))
