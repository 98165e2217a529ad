"""Enforcement: an action that would create a violation is refused (409, the rule's id) and stores nothing.

`guard` evaluates the rules for the holders an action touches, lets the action run inside the
caller's transaction, evaluates again, and raises if a violation appeared that was not there before,
or if any violation now concerns a subject the action itself touched (routing a number that already
breaks a rule is refused too, not just routing that newly breaks one). Raising inside the caller's
`transaction.atomic` rolls the action back with its audit row.

Violations that predate the action and concern something else (an expired licence while a seat is
activated) do not block: they are the audit's business, and blocking unrelated work on them would
stop a tenant's whole operation over a paperwork finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from compliance.rules import Finding, Policy, Severity, evaluate, policies
from compliance.selectors import holders
from saas.api.errors import Conflict


def violations(clients: Iterable, policy: dict[str, str]) -> dict[tuple[str, str], Finding]:
    """Violations (after policy) of these holders and the operator now, by (rule id, subject).
    The operator's licence answers for every tenant's seats (COV-02), so it is always evaluated."""
    found, context = holders(clients=clients, today=timezone.localdate(), with_operator=True)
    return {finding.key: finding for finding in evaluate(found, context=context, policy=policy)
            if finding.severity == Severity.VIOLATION}


@contextmanager
def guard(*clients, touching: Iterable[str] = (), pending: Iterable[str] = ()) -> Iterator[None]:
    """Refuse the block's change if it creates a violation for these holders (see the module).
    Violations of the `pending` rules are left to the audit (what a later registration completes)."""
    assert connection.in_atomic_block, "a guarded change must run in a transaction it can roll back"
    clients = [client for client in clients if client is not None]
    policy = policies()
    touching = set(touching)
    before = violations(clients, policy)
    yield
    after = violations(clients, policy)
    pending = set(pending)
    created = [finding for key, finding in after.items()
               if (key not in before or finding.subject in touching) and finding.rule.id not in pending]
    if created:
        raise refusal(created)


def refusal(findings: list[Finding]) -> Conflict:
    first = findings[0]
    return Conflict(first.rule.id, first.message, details={
        "rule": first.rule.id, "subject": first.subject,
        "violations": [{"rule": f.rule.id, "subject": f.subject, "message": f.message} for f in findings],
    })


def refuse_if(broken: bool, rule, **params) -> None:
    """Check a guard rule directly (no facts to compare): refuse if broken and its policy enforces it."""
    if broken and policies()[rule.id] == Policy.ON:
        raise rule.refuse(**params)
