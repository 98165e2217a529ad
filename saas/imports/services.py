"""Bulk import: every row through the same service as a single create, in one transaction.

Each row runs in a savepoint, so one bad row does not hide the problems of the rows after it; if any
row fails, or for a dry run, the whole transaction is rolled back: all rows or none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from saas.api.errors import DomainError
from saas.audit.services import record
from saas.imports.kinds import KINDS
from saas.imports.readers import read_rows

FIRST_DATA_ROW = 2  # as a spreadsheet numbers them, under the header


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    stored: int = 0
    errors: list[dict] = field(default_factory=list)
    passwords: list[dict] = field(default_factory=list)  # generated initial passwords, shown once

    @property
    def ok(self) -> bool:
        return not self.errors


def do_import(*, actor, kind: str, file_name: str, content: bytes, dry_run: bool) -> ImportReport:
    spec = KINDS[kind]
    rows = read_rows(file_name, content, spec.accepted)
    report = ImportReport(kind=kind, dry_run=dry_run, rows=len(rows))
    with transaction.atomic():
        for number, row in enumerate(rows, start=FIRST_DATA_ROW):
            try:
                with transaction.atomic():
                    if password := spec.store(actor, row):
                        report.passwords.append(password)
            except DomainError as error:
                report.errors.append({"row": number, "code": error.code, "message": str(error.message),
                                      "details": error.details})
        if report.errors or dry_run:
            transaction.set_rollback(True)
            report.passwords = []
            return report
        report.stored = len(rows)
        record(actor=actor, action=f"import.{kind}", data={"file": file_name, "rows": len(rows)})
    return report
