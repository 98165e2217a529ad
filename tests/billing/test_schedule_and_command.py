"""How runs start besides the console: Celery beat on the 1st, and the command line."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing.models import Invoice, InvoiceRun
from billing.pricing import SHANGHAI, Period
from billing.tasks import monthly_invoice_run
from tests.billing.conftest import make_tenants, seats_all_month


def test_beat_runs_last_month_on_the_first_at_two_in_shanghai():
    # given
    entry = settings.CELERY_BEAT_SCHEDULE["billing-monthly-invoice-run"]
    schedule = entry["schedule"]

    # then: due at 02:00 on the 1st of a month, Shanghai time, and not on other days
    assert entry["task"] == "billing.tasks.monthly_invoice_run"
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert (schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {2}, {0})
    first = datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI)
    assert first.day in schedule.day_of_month and first.hour in schedule.hour


def test_the_monthly_task_queues_last_month(db, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as queued:
        monthly_invoice_run()

    # then
    run = InvoiceRun.objects.get()
    assert run.period == str(Period.before(timezone.localdate()))
    assert run.trigger == InvoiceRun.Trigger.MONTHLY and len(queued) == 1


def test_the_command_drafts_a_month_and_says_what_it_did(db):
    # given
    tenants = make_tenants(2)
    for tenant in tenants:
        seats_all_month(tenant, Period(2019, 3), 2)
    out = io.StringIO()

    # when
    call_command("invoice_run", "2019-03", stdout=out, verbosity=1)
    call_command("invoice_run", "2019-03", stdout=out, verbosity=1)

    # then
    lines = out.getvalue().splitlines()
    assert "2 invoice(s) drafted" in lines[-2] and "0 invoice(s) drafted" in lines[-1]
    assert Invoice.objects.filter(tenant__in=tenants).count() == 2
    assert InvoiceRun.objects.filter(trigger=InvoiceRun.Trigger.COMMAND, state=InvoiceRun.State.FINISHED).count() == 2


def test_the_command_refuses_a_bad_period(db):
    with pytest.raises(CommandError, match="invalid_period"):
        call_command("invoice_run", "2019-3", verbosity=0)
