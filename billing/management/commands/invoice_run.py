"""Draft the seat invoices of a month from the command line, with a progress bar: the same run as the
monthly schedule and the finance console's button, done in this process."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from billing.models import InvoiceRun
from billing.pricing import Period
from billing.services import do_request_invoice_run, do_run_invoices
from saas.api.errors import DomainError


class Command(BaseCommand):
    help = "Draft every tenant's invoice for a month (default: last month) that is not invoiced yet."

    def add_arguments(self, parser):
        parser.add_argument("period", nargs="?", help="YYYY-MM; last month (Asia/Shanghai) when left out")

    def handle(self, *args, period: str | None, verbosity: int, **options):
        period = period or str(Period.before(timezone.localdate()))
        try:
            run = do_request_invoice_run(actor=None, period=period, trigger=InvoiceRun.Trigger.COMMAND, queue=False)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        with Progress(
            TextColumn(f"[bold]invoicing {period}"), BarColumn(), MofNCompleteColumn(), TextColumn("tenants"),
            TimeElapsedColumn(), disable=verbosity == 0,
        ) as progress:
            bar = progress.add_task("", total=None)

            def advance(state: InvoiceRun) -> None:
                progress.update(bar, total=state.tenants_total, completed=state.tenants_done)

            run = do_run_invoices(run_id=run.pk, on_progress=advance)
        if verbosity:
            self.stdout.write(f"run #{run.pk} {period}: {run.invoices_created} invoice(s) drafted, "
                              f"{run.already_invoiced} tenant(s) already invoiced, "
                              f"of {run.tenants_total} with seat-days")
