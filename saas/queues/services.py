"""Queues with their required skills, wrap-up codes and opening hours, written as one unit."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from saas.api.errors import DomainError
from saas.api.resources import full_clean_or_400, save_and_record, update_and_record
from saas.queues.models import OpeningHours, Queue, WrapUpCode


@transaction.atomic
def do_create_queue(*, actor, required_skills=(), wrap_up_codes=(), hours=(), **fields) -> Queue:
    queue = save_and_record(actor=actor, instance=Queue(**fields), action="queue.created")
    _set_parts(queue, required_skills, wrap_up_codes, hours)
    return queue


@transaction.atomic
def do_update_queue(*, actor, instance: Queue, required_skills=None, wrap_up_codes=None, hours=None,
                    **changes) -> Queue:
    queue = update_and_record(actor=actor, instance=instance, changes=changes, action="queue.updated")
    _set_parts(queue, required_skills, wrap_up_codes, hours)
    return queue


def _set_parts(queue: Queue, required_skills, wrap_up_codes, hours) -> None:
    """Replace each part that was given (None leaves it as it is)."""
    if required_skills is not None:
        queue.required_skills.set(required_skills)
    if wrap_up_codes is not None:
        _set_wrap_up_codes(queue, wrap_up_codes)
    if hours is not None:
        _set_hours(queue, hours)
    if queue.wrap_up_required and not queue.wrap_up_codes.filter(active=True).exists():
        raise DomainError("invalid", _("Some fields are not valid."), details={
            "wrap_up_codes": [_("A queue that requires a wrap-up code needs at least one active code.")]})


def _set_wrap_up_codes(queue: Queue, codes: list[dict]) -> None:
    # Codes are kept by their `code` (calls refer to them): given ones are updated or added, missing
    # ones are deactivated, none is deleted.
    given = {item["code"]: item for item in codes}
    if len(given) != len(codes):
        raise DomainError("invalid", _("Some fields are not valid."),
                          details={"wrap_up_codes": [_("Each wrap-up code may appear once.")]})
    existing = {code.code: code for code in queue.wrap_up_codes.all()}
    for code, item in given.items():
        row = existing.get(code) or WrapUpCode(queue=queue, code=code)
        row.name, row.active = item["name"], item.get("active", True)
        full_clean_or_400(row, exclude=["queue"], validate_constraints=False)
        row.save()
    queue.wrap_up_codes.exclude(code__in=given).update(active=False)


def _set_hours(queue: Queue, hours: list[dict]) -> None:
    rows = [OpeningHours(queue=queue, **item) for item in hours]
    for row in rows:
        full_clean_or_400(row, exclude=["queue"])
    by_day: dict[int, list[OpeningHours]] = {}
    for row in sorted(rows, key=lambda row: (row.day, row.opens)):
        previous = by_day.setdefault(row.day, [])
        if previous and previous[-1].closes > row.opens:
            raise DomainError("invalid", _("Some fields are not valid."), details={
                "hours": [_("Opening intervals of one day must not overlap.")]})
        previous.append(row)
    queue.hours.all().delete()
    OpeningHours.objects.bulk_create(rows)
