"""Migrate the public schema, the tenant template and every tenant schema, skipping current ones.

django-tenants' `migrate_schemas` runs the full migrate command (graph, plan, post-migrate signals)
in every schema even when nothing is to be applied; with hundreds of tenants that takes minutes.
Here one query reads every schema's migration table and only stale schemas are migrated.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tenants.models import Client
from tenants.schemas import ensure_template_exists, stale_schemas, template_schema


class Command(BaseCommand):
    help = "Migrate every schema that is behind; skip those already current."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report; exit 1 if any schema is behind.")

    def handle(self, *args, check: bool, verbosity: int, **options):
        public = get_public_schema_name()
        if stale_schemas([public]):
            if check:
                raise CommandError("the public schema is behind")
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=max(verbosity - 1, 0))
        ensure_template_exists()
        schemas = [template_schema(), *Client.objects.exclude(schema_name=public).values_list("schema_name", flat=True)]
        stale = stale_schemas(schemas)
        if check:
            if stale:
                raise CommandError(f"{len(stale)} schema(s) behind: {', '.join(stale[:10])}")
            self.stdout.write(f"all {len(schemas)} schemas are current")
            return

        with Progress(
            TextColumn("[bold]migrating schemas"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.description}"), TimeElapsedColumn(), disable=verbosity == 0,
        ) as progress:
            bar = progress.add_task("", total=len(schemas), completed=len(schemas) - len(stale))
            for name in stale:
                progress.update(bar, description=name)
                call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=0)
                progress.advance(bar)
        if verbosity:
            self.stdout.write(
                f"{len(schemas)} schemas: {len(stale)} migrated, {len(schemas) - len(stale)} already current"
            )
