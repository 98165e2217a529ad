"""The client admin's workspace pages: one list, create, edit and switch-off for each resource, all
calling the services the API calls. Supervisors see the lists; agents see none of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from frontend import workspace_forms as forms
from frontend.presentation import attach_refusal
from frontend.views import role_required
from saas.accounts.roles import Role
from saas.agents import services as agents
from saas.agents.models import Agent, ReasonCode, Skill, Team
from saas.api.errors import DomainError
from saas.calendars import services as calendars
from saas.calendars.models import CalendarDay
from saas.imports.kinds import KINDS
from saas.imports.services import do_import
from saas.numbers.models import NumberRoute
from saas.numbers.selectors import tenant_numbers
from saas.numbers.services import do_route_number
from saas.queues import services as queues
from saas.queues.models import Queue
from saas.seats import services as seats
from saas.seats.models import Seat
from saas.seats.selectors import seat_usage


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable


@dataclass(frozen=True)
class Resource:
    slug: str
    title: str
    form: type
    columns: tuple[Column, ...]
    rows: Callable  # () -> queryset
    create: Callable  # (actor, **cleaned) -> instance
    update: Callable  # (actor, instance, **changes) -> instance
    switch_on: Callable | None = None  # (actor, instance): activate; None when there is no on/off
    switch_off: Callable | None = None  # (actor, instance): deactivate, or delete for calendar days
    is_on: Callable = field(default=lambda row: getattr(row, "active", True))


def _toggle(update) -> dict:
    """Switching on and off through a resource's `active` field."""
    return {"switch_on": lambda actor, instance: update(actor=actor, instance=instance, active=True),
            "switch_off": lambda actor, instance: update(actor=actor, instance=instance, active=False)}


def _create_agent(*, actor, **fields):
    agent, generated = agents.do_create_agent(actor=actor, **fields)
    agent.initial_password = generated
    return agent


def _skill_levels(agent) -> str:
    return "、".join(f"{level.skill.name}·{level.proficiency}" for level in agent.agent_skills.all())


def _yes_no(value) -> str:
    return _("Yes") if value else _("No")


RESOURCES = {resource.slug: resource for resource in (
    Resource(
        slug="seats", title=_("Seats"), form=forms.SeatForm, rows=lambda: Seat.objects.select_related("site"),
        columns=(Column(_("Code"), lambda s: s.code), Column(_("Name"), lambda s: s.name),
                 Column(_("Kind"), lambda s: s.get_kind_display()), Column(_("Platform site"), lambda s: s.site),
                 Column(_("Extension"), lambda s: s.extension), Column(_("Status"), lambda s: s.get_status_display())),
        create=seats.do_create_seat,
        update=lambda actor, instance, **changes: seats.do_update_seat(actor=actor, seat=instance, **changes),
        switch_on=lambda actor, instance: seats.do_activate_seat(actor=actor, seat=instance),
        switch_off=lambda actor, instance: seats.do_deactivate_seat(actor=actor, seat=instance),
        is_on=lambda seat: seat.status == Seat.Status.ACTIVE,
    ),
    Resource(
        slug="agents", title=_("Agents"), form=forms.AgentForm,
        rows=lambda: Agent.objects.select_related("user", "team", "default_seat")
        .prefetch_related("agent_skills__skill"),
        columns=(Column(_("Employee number"), lambda a: a.employee_number),
                 Column(pgettext_lazy("person", "Name"), lambda a: a.name),
                 Column(_("Username"), lambda a: a.user.username), Column(_("Team"), lambda a: a.team or "—"),
                 Column(_("Skills"), _skill_levels),
                 Column(_("Seat"), lambda a: a.default_seat or _("Free seating")),
                 Column(_("Hire date"), lambda a: a.hire_date), Column(_("Leave date"), lambda a: a.leave_date or "—")),
        create=_create_agent, update=agents.do_update_agent, is_on=lambda agent: agent.user.is_active,
    ),
    Resource(
        slug="teams", title=_("Teams"), form=forms.TeamForm, rows=lambda: Team.objects.select_related("leader"),
        columns=(Column(_("Name"), lambda t: t.name), Column(_("Team leader"), lambda t: t.leader or "—")),
        create=agents.do_create_team, update=agents.do_update_team, **_toggle(agents.do_update_team),
    ),
    Resource(
        slug="skills", title=_("Skills"), form=forms.SkillForm, rows=Skill.objects.all,
        columns=(Column(_("Name"), lambda s: s.name), Column(_("Description"), lambda s: s.description)),
        create=agents.do_create_skill, update=agents.do_update_skill, **_toggle(agents.do_update_skill),
    ),
    Resource(
        slug="queues", title=_("Queues"), form=forms.QueueForm,
        rows=lambda: Queue.objects.prefetch_related("required_skills"),
        columns=(Column(_("Name"), lambda q: q.name), Column(_("Priority"), lambda q: q.priority),
                 Column(_("Strategy"), lambda q: q.get_strategy_display()),
                 Column(_("Service level"), lambda q: f"{q.service_level_percent}% / {q.service_level_seconds}s"),
                 Column(_("Required skills"), lambda q: "、".join(s.name for s in q.required_skills.all()) or "—"),
                 Column(_("Open around the clock"), lambda q: _yes_no(q.always_open))),
        create=queues.do_create_queue, update=queues.do_update_queue, **_toggle(queues.do_update_queue),
    ),
    Resource(
        slug="reason-codes", title=_("Not-ready reasons"), form=forms.ReasonCodeForm, rows=ReasonCode.objects.all,
        columns=(Column(_("Code"), lambda r: r.code), Column(_("Name"), lambda r: r.name),
                 Column(_("Category"), lambda r: r.get_category_display()),
                 Column(_("Built in"), lambda r: _yes_no(r.built_in))),
        create=agents.do_create_reason_code, update=agents.do_update_reason_code,
        **_toggle(agents.do_update_reason_code),
    ),
    Resource(
        slug="calendar", title=_("Holiday calendar"), form=forms.CalendarDayForm, rows=CalendarDay.objects.all,
        columns=(Column(_("Date"), lambda d: d.date), Column(_("Kind"), lambda d: d.get_kind_display()),
                 Column(_("Name"), lambda d: d.name)),
        create=calendars.do_create_calendar_day, update=calendars.do_update_calendar_day,
        switch_off=lambda actor, instance: calendars.do_delete_calendar_day(actor=actor, instance=instance),
    ),
)}

NUMBERS = {"slug": "numbers", "title": _("Access numbers")}
TABS = [{"slug": slug, "title": spec.title} for slug, spec in RESOURCES.items()] + [NUMBERS]

ADMIN = (Role.TENANT_ADMIN,)
READERS = (Role.TENANT_ADMIN, Role.SUPERVISOR)


def _resource(slug: str) -> Resource:
    if slug not in RESOURCES:
        raise Http404
    return RESOURCES[slug]


@role_required(*READERS)
def resource_list(request, resource: str):
    spec = _resource(resource)
    rows = [{"row": row, "cells": [column.value(row) for column in spec.columns], "on": spec.is_on(row)}
            for row in spec.rows()]
    # Templates call callables, so the page gets booleans, not the service functions.
    context = {"spec": spec, "rows": rows, "can_write": request.user.role == Role.TENANT_ADMIN, "tabs": TABS,
               "can_switch_on": spec.switch_on is not None, "can_switch_off": spec.switch_off is not None,
               "can_import": spec.slug in KINDS}
    if spec.slug == "seats":
        context["usage"] = seat_usage()
    return render(request, "frontend/workspace/list.html", context)


@role_required(*ADMIN)
def resource_form(request, resource: str, pk: int | None = None):
    spec = _resource(resource)
    instance = get_object_or_404(spec.rows(), pk=pk) if pk else None
    form = spec.form(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                saved = spec.create(actor=request.user, **form.cleaned_data)
            else:
                changes = {name: value for name, value in form.cleaned_data.items()
                           if name in form.changed_data or name not in form.fields}
                saved = spec.update(actor=request.user, instance=form.instance, **changes)
        except DomainError as error:
            attach_refusal(form, error)
        else:
            if generated := getattr(saved, "initial_password", None):
                messages.warning(request, _("Initial password of %(who)s: %(password)s — it will not be shown again.")
                                 % {"who": saved, "password": generated})
            messages.success(request, _("Saved."))
            return redirect("frontend:resource-list", resource=spec.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "frontend/workspace/form.html",
                  {"spec": spec, "form": form, "instance": instance, "tabs": TABS}, status=status)


@require_POST
@role_required(*ADMIN)
def resource_switch(request, resource: str, pk: int, on: bool):
    spec = _resource(resource)
    action = spec.switch_on if on else spec.switch_off
    if action is None:
        raise PermissionDenied
    try:
        action(actor=request.user, instance=get_object_or_404(spec.rows(), pk=pk))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("frontend:resource-list", resource=spec.slug)


@role_required(*READERS)
def number_list(request):
    return render(request, "frontend/workspace/numbers.html", {
        "spec": NUMBERS, "numbers": tenant_numbers(), "can_write": request.user.role == Role.TENANT_ADMIN,
        "tabs": TABS,
    })


@role_required(*ADMIN)
def number_route(request, pk: int):
    number = next((number for number in tenant_numbers() if number.pk == pk), None)
    if number is None:
        raise Http404
    form = forms.NumberRouteForm(request.POST or None, instance=number.route or NumberRoute(number=number))
    if request.method == "POST" and form.is_valid():
        try:
            do_route_number(actor=request.user, number=number,
                            **{name: form.cleaned_data[name] for name in form.fields})
        except DomainError as error:
            attach_refusal(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:numbers")
    return render(request, "frontend/workspace/form.html",
                  {"spec": NUMBERS, "form": form, "instance": number, "tabs": TABS},
                  status=400 if request.method == "POST" else 200)


@role_required(*ADMIN)
def resource_import(request, resource: str):
    """Upload a spreadsheet; «Check» is a dry run, «Import» stores every row or none."""
    spec = _resource(resource)
    if resource not in KINDS:
        raise Http404
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV or XLSX file first."))
        else:
            try:
                report = do_import(actor=request.user, kind=resource, file_name=upload.name, content=upload.read(),
                                   dry_run="check" in request.POST)
            except DomainError as error:
                messages.error(request, error.message)
    status = 400 if report is not None and not report.ok else 200
    return render(request, "frontend/workspace/import.html",
                  {"spec": spec, "tabs": TABS, "report": report, "kind": KINDS[resource]}, status=status)
