"""Presentation shared by the console pages: refused filters, and runs (polled, and how long they took)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from saas.api.errors import DomainError, error_response


def from_htmx(request) -> bool:
    """The request is htmx swapping a part of the page, not a browser loading one."""
    return request.headers.get("HX-Request") == "true"


def bad_filters(request, form: forms.Form) -> HttpResponse:
    """A list page's filters that do not parse: a 400 naming them, never a page with other rows."""
    fields = ", ".join(str(form.fields[name].label) for name in form.errors if name in form.fields)
    return error_response(request, code="invalid", status_code=400,
                          message=_("These filters are not valid: %(fields)s.") % {"fields": fields})


def duration(run) -> str:
    """A finished run's duration, to the millisecond under a second; "" while it has not finished."""
    if not (run.started_at and run.finished_at):
        return ""
    seconds = (run.finished_at - run.started_at).total_seconds()
    if seconds < 1:
        return _("%(milliseconds)d ms") % {"milliseconds": seconds * 1000}
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": f"{seconds:.1f}"}
    return _("%(minutes)d min %(seconds)d s") % {"minutes": seconds // 60, "seconds": seconds % 60}


def polled_run(request, templates: dict[str, str], context: dict, *, live: bool) -> HttpResponse:
    """A run as a page's card or as a table row (`as=card|row`, `templates` names both), which htmx polls
    while the run is live. A card that sees its run end reloads its page: what the page summarises
    (a map, a chart, counts) is from before the run until it is drawn again."""
    shape = request.GET.get("as") if request.GET.get("as") in templates else "card"
    response = render(request, templates[shape], context)
    if from_htmx(request) and not live and shape == "card":
        response["HX-Refresh"] = "true"
    return response


def attach_refusal(form, error: DomainError) -> None:
    """A service's refusal: validation messages next to the fields they name, anything else (a limit,
    a conflict, whose details are data rather than messages) above the form."""
    fields = {name: texts for name, texts in error.details.items() if name in form.fields} \
        if error.code == "invalid" else {}
    for name, field_messages in fields.items():
        for message in field_messages if isinstance(field_messages, list) else [field_messages]:
            form.add_error(name, str(message))
    if not fields:
        form.add_error(None, str(error.message))
