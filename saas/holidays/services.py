from django.db import transaction

from saas.api.resources import save_and_record, update_and_record
from saas.holidays.models import PublicHoliday


@transaction.atomic
def do_create_public_holiday(*, actor, **fields) -> PublicHoliday:
    return save_and_record(actor=actor, instance=PublicHoliday(**fields), action="public_holiday.created")


@transaction.atomic
def do_update_public_holiday(*, actor, instance: PublicHoliday, **changes) -> PublicHoliday:
    return update_and_record(actor=actor, instance=instance, changes=changes, action="public_holiday.updated")
