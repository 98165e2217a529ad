"""Audit pages: the coverage map, audit runs, findings and their export on the platform host, and a
tenant's own compliance status on its host. Thin: compliance.selectors reads, compliance.services acts."""

from __future__ import annotations

from collections import Counter

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django_tenants.utils import get_public_schema_name

from compliance import provinces
from compliance.models import AuditRun, Finding, Licence
from compliance.rules import RULES, Severity
from compliance.selectors import (
    FindingState,
    MapState,
    audited_clients,
    coverage_map,
    finding_list,
    finding_message,
    tenant_compliance,
)
from compliance.services import do_request_audit
from frontend.exports import FORMATS, export_response, local
from frontend.presentation import bad_filters, duration, from_htmx, polled_run
from frontend.views import role_required
from saas.accounts.roles import Role
from saas.api.errors import error_response
from tenants.models import Client

AUDITORS = (Role.PLATFORM_ADMIN, Role.COMPLIANCE_OFFICER)
TENANT_READERS = (Role.TENANT_ADMIN, Role.SUPERVISOR)
PAGE_SIZE = 50
# Findings are one row per rule and subject (plus the resolved history), so an export rarely comes
# near this. Exports are built in memory (under ASGI Django buffers a streamed response anyway); a
# larger one is refused with a request to narrow the filters rather than cut short without a word.
EXPORT_LIMIT = 50_000
LIVE = (AuditRun.State.QUEUED, AuditRun.State.RUNNING)

# One colour per MapState, from harmless to worst; the legend lists them in this order.
MAP_COLOURS = (
    (MapState.NOT_COVERED, "#c5cad3", gettext_lazy("Not covered")),
    (MapState.COVERED, "#5daf7e", gettext_lazy("Covered")),
    (MapState.WARNING, "#f0a830", gettext_lazy("Warning")),
    (MapState.VIOLATION, "#d43f3a", gettext_lazy("Violation")),
)


# --- Filters ----------------------------------------------------------------------------------------

class LicenceChoice(forms.ModelChoiceField):
    def label_from_instance(self, licence: Licence) -> str:
        return f"{licence.number} · {licence.holder.legal_name}"


def _licences():
    return Licence.objects.select_related("holder")


def _rule_choices():
    # Guard-only rules refuse actions and never leave a finding behind.
    return [("", _("Any")), *((rule_id, f"{rule_id} {spec.title}") for rule_id, spec in RULES.items() if spec.check)]


def _province_choices():
    return [("", _("Any")), *((code, provinces.name(code)) for code in provinces.codes())]


class LicencePicker(forms.Form):
    licence = LicenceChoice(label=gettext_lazy("Licence"), queryset=_licences(), required=False, empty_label=None)


class FindingFilter(forms.Form):
    """The findings list's filters, read from the query string; every field is optional."""

    state = forms.ChoiceField(label=gettext_lazy("State"), required=False, choices=[
        (FindingState.OPEN, gettext_lazy("Open")), (FindingState.RESOLVED, gettext_lazy("Resolved")),
        (FindingState.ALL, gettext_lazy("All"))])
    rule = forms.ChoiceField(label=gettext_lazy("Rule"), required=False, choices=_rule_choices)
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), required=False,
                                 choices=[("", gettext_lazy("Any")), *Severity.choices])
    holder = forms.ModelChoiceField(label=gettext_lazy("Licence holder"), required=False, to_field_name="slug",
                                    queryset=audited_clients().order_by("slug"), empty_label=gettext_lazy("Any"))
    licence = LicenceChoice(label=gettext_lazy("Licence"), queryset=_licences(), required=False,
                            empty_label=gettext_lazy("Any"))
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False, choices=_province_choices)
    run = forms.ModelChoiceField(label=gettext_lazy("Audit run"), required=False, queryset=AuditRun.objects.all(),
                                 widget=forms.NumberInput(attrs={"min": 1}))

    def selector_filters(self) -> dict:
        """The cleaned filters as finding_list() takes them."""
        return {**self.cleaned_data, "state": self.cleaned_data["state"] or FindingState.OPEN}


# --- Presentation helpers -----------------------------------------------------------------------------

def _severity_counts(rows) -> dict[str, int]:
    counts = dict(rows.order_by().values_list("severity").annotate(n=Count("id")))
    return {severity: counts.get(severity, 0) for severity in Severity.values}


def _described(finding: Finding) -> dict:
    """A finding with what the page and the exports show of it, in the active language."""
    spec = RULES.get(finding.rule_id)
    severity = Severity(finding.severity).label if finding.severity in Severity.values else finding.severity
    return {"finding": finding, "title": str(spec.title) if spec else "", "message": finding_message(finding),
            "severity": str(severity),
            "provinces": [provinces.name(code) for code in finding.provinces]}


def _latest_finished() -> int | None:
    return AuditRun.objects.filter(state=AuditRun.State.FINISHED).values_list("pk", flat=True).first()


def _run_item(run: AuditRun, latest_finished: int | None) -> dict:
    """What the run partials (_run_status.html, _run_row.html) show of a run. Findings only change in
    runs (a failed one rolls back), so the open findings of the latest finished run are exactly the
    ones open now: only that run's open count links to the open list. A run's new and resolved
    counts link to what it changed (finding_list's `run`: opened or resolved in it)."""
    return {"run": run, "live": run.state in LIVE, "duration": duration(run), "current": run.pk == latest_finished}


def _issuer(licence: Licence) -> str:
    if licence.issuer == "MIIT":
        return _("Ministry of Industry and Information Technology (工业和信息化部)")
    return _("%(province)s Communications Administration") % {"province": provinces.name(licence.issuer)}


def _licence_facts(licence: Licence) -> list[tuple[str, str]]:
    sites = list(licence.sites.all())
    active = sum(site.state == site.State.ACTIVE for site in sites)
    total = len(provinces.codes())
    return [
        (_("Licence number"), licence.number),
        (_("Holder"), licence.holder.legal_name),
        (_("Scope"), licence.get_scope_display()),
        (_("Topology"), licence.get_topology_display()),
        (_("Issuer"), _issuer(licence)),
        (_("Valid"), _("%(start)s to %(end)s") % {"start": licence.valid_from, "end": licence.valid_until}),
        (_("Coverage"), ngettext("%(count)d of %(total)d province", "%(count)d of %(total)d provinces", total)
         % {"count": len(licence.coverage), "total": total}),
        (_("Platform sites"), _("%(active)d active of %(all)d") % {"active": active, "all": len(sites)}),
    ]


def _tooltip(province: dict) -> str:
    coverage = _("Covered by the licence") if province["covered"] else _("Not covered by the licence")
    counts = _("Open violations: %(violations)d · warnings: %(warnings)d") % province
    sites = _("No platform site")
    if province["sites"]:
        sites = format_html("{}{}", _("Platform sites:"),
                            format_html_join("", "<br>· {}", ((site,) for site in province["sites"])))
    return format_html("<strong>{}</strong><br>{}<br>{}<br>{}", province["name"], coverage, counts, sites)


def _coverage(licence: Licence) -> tuple[list[dict], list[dict]]:
    """The map's data and its legend (ECharts visualMap pieces), each state with its province count."""
    rows = coverage_map(licence)
    per_state = Counter(row["state"] for row in rows)
    labels = {state: label for state, _colour, label in MAP_COLOURS}
    data = [{"code": row["code"], "value": row["state"], "label": str(labels[row["state"]]), "tooltip": _tooltip(row)}
            for row in rows]
    pieces = [{"value": state, "color": colour, "label": f"{label} ({per_state[state]})"}
              for state, colour, label in MAP_COLOURS]
    return data, pieces


def _operator_licence() -> Licence | None:
    licences = _licences()
    return licences.filter(holder__schema_name=get_public_schema_name()).first() or licences.first()


# --- Platform pages -------------------------------------------------------------------------------------

@require_GET
@role_required(*AUDITORS)
def overview(request):
    """One licence on the map of China, its facts, its open findings, and the last audit run."""
    picker = LicencePicker(request.GET)
    if not picker.is_valid():
        return bad_filters(request, picker)
    licence = picker.cleaned_data["licence"] or _operator_licence()
    context = {"picker": LicencePicker(initial={"licence": licence}), "licence": licence,
               "can_run": request.user.role == Role.COMPLIANCE_OFFICER,
               "everywhere": _severity_counts(finding_list()),
               "last_run": _run_item(run, _latest_finished()) if (run := AuditRun.objects.first()) else None}
    if licence is not None:
        context["map_data"], context["map_pieces"] = _coverage(licence)
        context["facts"] = _licence_facts(licence)
        context["here"] = _severity_counts(finding_list(licence=licence))
    return render(request, "frontend/compliance/overview.html", context)


RUN_PARTIALS = {"card": "frontend/compliance/_run_status.html", "row": "frontend/compliance/_run_row.html"}


def _run_partial(request, run: AuditRun, **extra) -> HttpResponse:
    """A run as the overview's card or as a runs table row (`as=card|row`): what htmx swaps in."""
    template = RUN_PARTIALS.get(request.POST.get("as") or request.GET.get("as"), RUN_PARTIALS["card"])
    return render(request, template, {"item": _run_item(run, _latest_finished()), **extra})


@require_http_methods(["GET", "POST"])
@role_required(*AUDITORS)
def runs(request):
    """Every audit run, newest first; compliance officers start one from here (POST)."""
    can_run = request.user.role == Role.COMPLIANCE_OFFICER
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        run = do_request_audit(actor=request.user)
        if from_htmx(request):
            return _run_partial(request, run, new=True)
        return redirect("frontend:compliance-runs")
    page = Paginator(AuditRun.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    latest = _latest_finished()
    return render(request, "frontend/compliance/audit_runs.html",
                  {"page": page, "items": [_run_item(run, latest) for run in page], "can_run": can_run})


@require_GET
@role_required(*AUDITORS)
def run_status(request, pk: int):
    """One run's partial, polled every second while it is queued or running."""
    run = get_object_or_404(AuditRun, pk=pk)
    return polled_run(request, RUN_PARTIALS, {"item": _run_item(run, _latest_finished())}, live=run.state in LIVE)


@require_GET
@role_required(*AUDITORS)
def findings(request):
    form = FindingFilter(request.GET)
    if not form.is_valid():
        return bad_filters(request, form)
    page = Paginator(finding_list(**form.selector_filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/compliance/findings.html",
                  {"form": form, "page": page, "rows": [_described(finding) for finding in page],
                   "run": form.cleaned_data["run"]})


# Both export formats, in this order; values are plain (datetimes stay datetimes for XLSX).
EXPORT_COLUMNS = (
    (gettext_lazy("Rule"), lambda row: row["finding"].rule_id),
    (gettext_lazy("Rule title"), lambda row: row["title"]),
    (gettext_lazy("Severity"), lambda row: row["severity"]),
    (gettext_lazy("Licence holder"), lambda row: str(row["finding"].holder)),
    (gettext_lazy("Licence"), lambda row: row["finding"].licence.number if row["finding"].licence else ""),
    (gettext_lazy("Subject"), lambda row: row["finding"].subject),
    (gettext_lazy("Message"), lambda row: row["message"]),
    (gettext_lazy("Provinces"), lambda row: "、".join(row["provinces"])),
    (gettext_lazy("First seen"), lambda row: row["finding"].first_seen),
    (gettext_lazy("Last seen"), lambda row: row["finding"].last_seen),
    (gettext_lazy("Resolved at"), lambda row: row["finding"].resolved_at),
)
EXPORT_WIDTHS = (9, 36, 8, 30, 16, 26, 70, 30, 19, 19, 19)  # XLSX column widths, in characters


def _export_rows(rows):
    for finding in rows.iterator(chunk_size=2000):
        described = _described(finding)
        yield [local(value(described)) for _label, value in EXPORT_COLUMNS]


@require_GET
@role_required(*AUDITORS)
def findings_export(request, fmt: str):
    """The findings list as CSV or XLSX, with the same filters and columns as the page."""
    if fmt not in FORMATS:
        return error_response(request, code="not_found", message=_("Not found."), status_code=404)
    form = FindingFilter(request.GET)
    if not form.is_valid():
        return bad_filters(request, form)
    rows = finding_list(**form.selector_filters())
    if (count := rows.count()) > EXPORT_LIMIT:
        return error_response(request, code="export_too_large", status_code=400, message=_(
            "%(count)d findings are too many to export at once (at most %(limit)d); narrow the filters.")
            % {"count": count, "limit": EXPORT_LIMIT})
    return export_response(fmt, [label for label, _value in EXPORT_COLUMNS], _export_rows(rows),
                           name="findings", title=_("Findings"), widths=EXPORT_WIDTHS)


# --- Tenant host ------------------------------------------------------------------------------------------

@require_GET
@role_required(*TENANT_READERS)
def tenant_status(request):
    """This tenant's own compliance: the licences it runs under and its own open findings, nobody else's."""
    status = tenant_compliance(request.tenant)
    return render(request, "frontend/compliance/tenant_status.html", {
        **status, "commercial": request.tenant.business_type == Client.BusinessType.COMMERCIAL,
        "rows": [_described(finding) for finding in status["findings"]],
        "facts": [(licence, _licence_facts(licence)) for licence in status["licences"]],
    })


urlpatterns = [
    path("", overview, name="compliance-overview"),
    path("runs/", runs, name="compliance-runs"),
    path("runs/<int:pk>/status/", run_status, name="compliance-run-status"),
    path("findings/", findings, name="compliance-findings"),
    path("findings/export.<slug:fmt>", findings_export, name="compliance-findings-export"),
]
