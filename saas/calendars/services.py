from django.db import transaction

from saas.api.resources import save_and_record, update_and_record
from saas.audit.services import record
from saas.calendars.models import CalendarDay


@transaction.atomic
def do_create_calendar_day(*, actor, **fields) -> CalendarDay:
    return save_and_record(actor=actor, instance=CalendarDay(**fields), action="calendar_day.created")


@transaction.atomic
def do_update_calendar_day(*, actor, instance: CalendarDay, **changes) -> CalendarDay:
    return update_and_record(actor=actor, instance=instance, changes=changes, action="calendar_day.updated")


@transaction.atomic
def do_delete_calendar_day(*, actor, instance: CalendarDay) -> None:
    """The date follows the national calendar again."""
    record(actor=actor, action="calendar_day.deleted", target=instance,
           data={"date": instance.date.isoformat(), "kind": instance.kind})
    instance.delete()
