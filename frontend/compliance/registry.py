"""Registry pages: licences, sites, responsible entities, topology change requests.

Compliance officers write; platform admins read (the forms are not drawn and a POST is refused);
every other role is kept out. Each write is one `do_*` service of compliance.services, and a refusal
comes back on the page it was made from with the rule's id, so the officer sees which rule said no.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from compliance import provinces, services
from compliance.models import Licence, PlatformSite, TopologyChange
from compliance.rules.licence import RENEWAL_WINDOW, issuer_name
from compliance.selectors import licences_with_facts
from frontend.compliance import forms
from frontend.views import role_required
from saas.accounts.roles import Role
from saas.api.errors import DomainError

READERS = (Role.PLATFORM_ADMIN, Role.COMPLIANCE_OFFICER)
WRITER = Role.COMPLIANCE_OFFICER
# The forms of the licence page: each has its own prefix, so field ids never collide, and each section
# its anchor, where the page opens after a save.
PREFIX = {"edit": "licence", "report": "report", "site": "site", "entity": "entity", "change": "change"}
ANCHOR = {"edit": "licence", "report": "reports", "site": "sites", "site_state": "sites", "entity": "entities",
          "change": "changes"}


# --- Shared handling -------------------------------------------------------------------------------

def _writes(request) -> bool:
    return request.user.role == WRITER


def _only_writers(request) -> None:
    if not _writes(request):
        raise PermissionDenied


def _submit(request, form, perform: Callable, *, page: Callable, done: Callable, saved) -> object:
    """How every registry form is handled. Valid: the service, a message and a redirect (so a reload
    does not post again). Invalid or refused: the page again with the form's errors, answered 400, or
    the refusal's own status (409 when a rule said no)."""
    if not form.is_valid():
        return page(form, 400)
    try:
        result = perform(**form.cleaned_data)
    except DomainError as error:
        forms.attach_refusal(form, error)
        return page(form, error.status_code)
    messages.success(request, saved(result) if callable(saved) else saved)
    return redirect(done(result))


@dataclass(frozen=True)
class Provinces:
    """A set of provinces as a table cell shows it: how many, with their names on hover."""

    codes: list[str]

    @property
    def count(self) -> int:
        return len(self.codes)

    @property
    def every(self) -> bool:
        return set(self.codes) >= set(provinces.codes())

    @property
    def names(self) -> str:
        return "、".join(provinces.name(code) for code in sorted(self.codes))


def _validity(licence: Licence, today: date) -> str:
    """expired, expiring (inside the renewal window of LIC-02), pending (not in force yet) or valid."""
    if licence.valid_until < today:
        return "expired"
    if licence.valid_from > today:
        return "pending"
    return "expiring" if licence.valid_until <= today + RENEWAL_WINDOW else "valid"


def _licence_facts(licence: Licence, today: date) -> dict:
    return {"licence": licence, "coverage": Provinces(licence.coverage), "issuer": issuer_name(licence.issuer),
            "validity": _validity(licence, today)}


# --- Licences --------------------------------------------------------------------------------------

def _list_page(request, form, status: int = 200):
    today = timezone.localdate()
    rows = [{**_licence_facts(licence, today), "sites": len(licence.sites.all()),
             "entities": len(licence.entities.all())}
            for licence in licences_with_facts().select_related("holder")]
    return render(request, "frontend/compliance/registry_licences.html",
                  {"rows": rows, "form": form if _writes(request) else None}, status=status)


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def licence_list(request):
    """The licences, with the form that registers one."""
    if request.method == "GET":
        return _list_page(request, forms.LicenceForm())
    _only_writers(request)
    return _submit(request, forms.LicenceForm(request.POST),
                   lambda **data: services.do_register_licence(actor=request.user, **data),
                   page=lambda form, status: _list_page(request, form, status),
                   done=lambda licence: reverse("frontend:compliance-licence", args=[licence.pk]),
                   saved=lambda licence: _("Licence %(number)s registered.") % {"number": licence.number})


def _licence_page(request, pk: int, status: int = 200, **bound):
    """The licence page; `bound` puts a section's posted form (with its errors) in place of a blank one."""
    licence = get_object_or_404(Licence.objects.select_related("holder").prefetch_related(
        "sites", "entities", "annual_reports", "topology_changes"), pk=pk)
    context = {
        **_licence_facts(licence, timezone.localdate()),
        "sites": [{"site": site, "province": provinces.name(site.province),
                   "answers_for": Provinces(site.responsible_for)} for site in licence.sites.all()],
        "entities": [{"entity": entity, "province": provinces.name(entity.province),
                      "answers_for": Provinces(entity.answers_for)} for entity in licence.entities.all()],
        "changes": [{"change": change, "coverage": Provinces(change.coverage)}
                    for change in licence.topology_changes.all()],
        "can_write": _writes(request),
    }
    if context["can_write"]:
        context.update({
            "edit_form": forms.LicenceEditForm(instance=licence, prefix=PREFIX["edit"]),
            "report_form": forms.AnnualReportForm(prefix=PREFIX["report"]),
            "site_form": forms.SiteForm(prefix=PREFIX["site"]),
            "entity_form": forms.EntityForm(prefix=PREFIX["entity"]),
            "change_form": forms.TopologyChangeForm(licence=licence, prefix=PREFIX["change"]),
            **bound,
        })
    return render(request, "frontend/compliance/registry_licence.html", context, status=status)


@role_required(*READERS)
def licence_detail(request, pk: int):
    return _licence_page(request, pk)


def _licence_section(request, pk: int, section: str, form, perform: Callable, saved, *, done=None):
    """A form of one section of the licence page, handled by `_submit`; back to that section."""
    back = reverse("frontend:compliance-licence", args=[pk]) + f"#{ANCHOR[section]}"
    return _submit(request, form, perform, saved=saved,
                   page=lambda bound, status: _licence_page(request, pk, status, **{f"{section}_form": bound}),
                   done=done or (lambda _result: back))


@role_required(WRITER)  # before the method check: other roles get 403 whatever they send
@require_POST
def licence_edit(request, pk: int):
    # A row of its own: the bound form writes into its instance, which must not be the one drawn in the facts.
    form = forms.LicenceEditForm(request.POST, instance=get_object_or_404(Licence, pk=pk), prefix=PREFIX["edit"])

    def perform(**data):
        # Only what was changed, so the audit row names the fields the officer actually edited.
        changes = {name: data[name] for name in form.changed_data}
        return services.do_update_licence(actor=request.user, instance=form.instance, **changes) if changes else None

    return _licence_section(request, pk, "edit", form, perform, _("Saved."))


@role_required(WRITER)
@require_POST
def annual_report_add(request, pk: int):
    licence = get_object_or_404(Licence, pk=pk)
    return _licence_section(
        request, pk, "report", forms.AnnualReportForm(request.POST, prefix=PREFIX["report"]),
        lambda **data: services.do_file_annual_report(actor=request.user, licence=licence, **data),
        lambda report: _("Annual report for %(year)s filed.") % {"year": report.year})


@role_required(WRITER)
@require_POST
def site_add(request, pk: int):
    licence = get_object_or_404(Licence, pk=pk)
    return _licence_section(
        request, pk, "site", forms.SiteForm(request.POST, prefix=PREFIX["site"]),
        lambda **data: services.do_register_site(actor=request.user, licence=licence, **data),
        lambda site: _("Platform site %(site)s registered (planned).") % {"site": site})


@role_required(WRITER)
@require_POST
def site_state(request, pk: int):
    """Activate or retire a site. A refusal is drawn above the sites table, naming the site."""
    site = get_object_or_404(PlatformSite, pk=pk)
    form = forms.SiteStateForm(request.POST)
    form.site = site
    return _licence_section(
        request, site.licence_id, "site_state", form,
        lambda state: services.do_update_site(actor=request.user, instance=site, state=state),
        lambda saved: _("%(site)s: %(state)s.") % {"site": saved, "state": saved.get_state_display()})


@role_required(WRITER)
@require_POST
def entity_add(request, pk: int):
    licence = get_object_or_404(Licence, pk=pk)
    return _licence_section(
        request, pk, "entity", forms.EntityForm(request.POST, prefix=PREFIX["entity"]),
        lambda **data: services.do_register_entity(actor=request.user, licence=licence, **data),
        lambda entity: _("Responsible entity %(name)s registered.") % {"name": entity.name})


@role_required(WRITER)
@require_POST
def change_draft(request, pk: int):
    licence = get_object_or_404(Licence, pk=pk)
    return _licence_section(
        request, pk, "change", forms.TopologyChangeForm(request.POST, licence=licence, prefix=PREFIX["change"]),
        lambda **data: services.do_draft_topology_change(actor=request.user, licence=licence, **data),
        _("Topology change drafted. File it with the authority next."),
        done=lambda change: reverse("frontend:compliance-change", args=[change.pk]))


# --- Topology change requests ----------------------------------------------------------------------

@dataclass(frozen=True)
class ChangeAction:
    label: str
    form: type
    service: Callable  # (actor=, change=, **form data)
    # The states in which the button is drawn. The service checks the state itself; this only keeps
    # buttons off the page that would be refused.
    shown_in: tuple[str, ...]
    saved: str
    button: str = "primary"  # the way forward stands out; turning back does not


State = TopologyChange.State
# In the order the buttons stand on the page.
CHANGE_ACTIONS = {
    "file": ChangeAction(_("File with the authority"), forms.FileChangeForm, services.do_file_topology_change,
                         (State.DRAFT,), _("Filed with the authority.")),
    "approve": ChangeAction(_("Approve"), forms.ApproveChangeForm, services.do_approve_topology_change,
                            (State.FILED,), _("Approved: the licence is amended. Apply the change next.")),
    "reject": ChangeAction(_("Reject"), forms.RejectChangeForm, services.do_reject_topology_change,
                           (State.DRAFT, State.FILED), _("Rejected."), button="button"),
    "apply": ChangeAction(_("Apply"), forms.ApplyChangeForm, services.do_apply_topology_change,
                          (State.APPROVED,), _("Applied: the licence now reads as amended.")),
}


def _site_label(site: PlatformSite | None, pk: str) -> str:
    return str(site) if site else _("Site %(pk)s") % {"pk": pk}


def _comparison(change: TopologyChange) -> dict:
    """Before → after. Before is what the licence said when the change was applied (kept on the change),
    or what it says now while the change is still open."""
    licence = change.licence
    sites = {str(site.pk): site for site in licence.sites.all()}
    if change.state == State.APPLIED and change.previous:
        before = change.previous
    else:
        before = {"topology": licence.topology, "coverage": licence.coverage, "issuer": licence.issuer,
                  "site_responsibilities": {pk: site.responsible_for for pk, site in sites.items()}}

    def diff(old: list[str], new: list[str]) -> dict:
        return {"before": Provinces(old), "after": Provinces(new),
                "added": [provinces.name(code) for code in sorted(set(new) - set(old))],
                "removed": [provinces.name(code) for code in sorted(set(old) - set(new))]}

    return {
        "topology": (Licence.Topology(before["topology"]).label, Licence.Topology(change.topology).label),
        "issuer": (issuer_name(before["issuer"]), issuer_name(change.issuer)),
        "coverage": diff(before["coverage"], change.coverage),
        "sites": [{"site": _site_label(sites.get(pk), pk),
                   **diff(before["site_responsibilities"].get(pk, []), codes)}
                  for pk, codes in change.site_responsibilities.items()],
    }


def _change_page(request, pk: int, status: int = 200, bound: tuple[str, object] | None = None):
    change = get_object_or_404(TopologyChange.objects.select_related("licence__holder")
                               .prefetch_related("licence__sites"), pk=pk)
    actions = []
    if _writes(request):
        for name, action in CHANGE_ACTIONS.items():
            form = bound[1] if bound and bound[0] == name else action.form(prefix=name)
            # A refused action stays on the page with its message, even when its state no longer shows it.
            if change.state in action.shown_in or form.is_bound:
                actions.append({"name": name, "label": action.label, "form": form, "button": action.button,
                                "url": reverse(f"frontend:compliance-change-{name}", args=[change.pk])})
    return render(request, "frontend/compliance/registry_change.html",
                  {"change": change, "compare": _comparison(change), "actions": actions,
                   "can_write": _writes(request)}, status=status)


@role_required(*READERS)
def change_detail(request, pk: int):
    return _change_page(request, pk)


@role_required(WRITER)
@require_POST
def change_action(request, pk: int, action: str):
    spec = CHANGE_ACTIONS[action]
    change = get_object_or_404(TopologyChange, pk=pk)
    return _submit(request, spec.form(request.POST, prefix=action),
                   lambda **data: spec.service(actor=request.user, change=change, **data),
                   page=lambda form, status: _change_page(request, pk, status, bound=(action, form)),
                   done=lambda _change: reverse("frontend:compliance-change", args=[pk]), saved=spec.saved)


urlpatterns = [
    path("licences/", licence_list, name="compliance-licences"),
    path("licences/<int:pk>/", licence_detail, name="compliance-licence"),
    path("licences/<int:pk>/edit/", licence_edit, name="compliance-licence-edit"),
    path("licences/<int:pk>/annual-reports/", annual_report_add, name="compliance-licence-report"),
    path("licences/<int:pk>/sites/", site_add, name="compliance-site-add"),
    path("sites/<int:pk>/state/", site_state, name="compliance-site-state"),
    path("licences/<int:pk>/entities/", entity_add, name="compliance-entity-add"),
    path("licences/<int:pk>/changes/", change_draft, name="compliance-change-draft"),
    path("changes/<int:pk>/", change_detail, name="compliance-change"),
    *(path(f"changes/<int:pk>/{action}/", change_action, {"action": action}, name=f"compliance-change-{action}")
      for action in CHANGE_ACTIONS),
]
