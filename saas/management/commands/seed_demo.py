from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from saas import demo


class Command(BaseCommand):
    help = "Create the demo platform operator, tenants and one user per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Port shown in the printed addresses.")

    def handle(self, *args, port: int, **options):
        logins = demo.seed()
        table = Table(title=f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
        for column in ("address", "username", "role"):
            table.add_column(column)
        for host, username, role in logins:
            table.add_row(f"http://{host}:{port}/", username, role)
        Console().print(table)
