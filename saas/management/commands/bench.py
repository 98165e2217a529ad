"""`saas bench NAME`: run a benchmark in a scratch database; prints a table and writes JSON.

Use `python3 dev.py bench NAME`, which also starts the embedded services and keeps the benchmark
on Redis databases of its own.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from saas.bench import scratch_database

BENCHMARKS = {
    "provisioning": "tenants.benchmarks.provisioning",
    "fleet-migrate": "tenants.benchmarks.fleet_migrate",
    "compliance-audit": "compliance.benchmarks.compliance_audit",
    "invoice-run": "billing.benchmarks.invoice_run",
    "acd": "saas.acd.benchmarks.acd",
}


class Command(BaseCommand):
    help = "Run a benchmark: " + ", ".join(BENCHMARKS)

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(BENCHMARKS))
        parser.add_argument("--json", type=Path, help="Where to write the results (default docs/benchmarks/).")
        parser.add_argument("--set", action="append", default=[], metavar="KEY=N",
                            help="Override a parameter, e.g. --set tenants=20")

    def handle(self, *args, name: str, json: Path | None, set: list[str], **options):
        try:
            parameters = {key: int(value) for key, value in (item.split("=", 1) for item in set)}
        except ValueError as error:
            raise CommandError("--set takes KEY=N with a whole number") from error
        benchmark = import_string(BENCHMARKS[name])
        with scratch_database(name.replace("-", "_")):
            benchmark(output=json, **parameters)
