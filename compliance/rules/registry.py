"""The rule registry: each rule holds one licence holder's registered reality against its licence.

A rule has a stable id (`LIC-01`), a severity, a message in Chinese and English, the source it rests
on, and where it is enforced. Rules on points where the sources disagree (`[?]` in LICENCE_FACTS.md)
are `uncertain`: a compliance officer switches them on, to warn only, or off (RulePolicy); the others
are always on. A rule without a `check` is a guard only: it refuses an action and has nothing to
audit afterwards (the action cannot have happened).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from compliance.models import Licence, RulePolicy
from saas.api.errors import Conflict


class Severity(models.TextChoices):
    VIOLATION = "violation", _("Violation")
    WARNING = "warning", _("Warning")


class Policy(models.TextChoices):
    ON = "on", _("Enforce")
    WARN = "warn", _("Warn only")
    OFF = "off", _("Off")


@dataclass(frozen=True)
class Hit:
    """What a check yields: the subject it is about, the message's parameters, the provinces concerned."""

    subject: str
    params: dict
    provinces: tuple[str, ...] = ()
    licence: Licence | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    message: str  # with %(name)s placeholders filled from the hit's params
    severity: str
    source: str
    check: Callable[..., Iterable[Hit]] | None
    enforced_at: tuple[str, ...] = ()
    uncertain: bool = False
    default_policy: str = Policy.ON
    # Parameters stored as codes and named in the reader's language when the message is rendered.
    labels: tuple[tuple[str, Callable[[str], str]], ...] = ()

    def render(self, params: dict) -> str:
        named = {name: str(label(params[name])) for name, label in self.labels if name in params}
        return str(self.message) % {**params, **named}

    def refuse(self, **params) -> Conflict:
        """The 409 a guard raises: the rule's id as the code, its message, its parameters as details."""
        return Conflict(self.id, self.render(params), details={"rule": self.id, **params})


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: str  # the rule's, or a warning where the policy says warn
    holder_id: int
    hit: Hit

    @property
    def subject(self) -> str:
        return self.hit.subject

    @property
    def key(self) -> tuple[str, str]:
        return self.rule.id, self.hit.subject

    @property
    def message(self) -> str:
        return self.rule.render(self.hit.params)


@dataclass
class Holder:
    """A licence holder as the rules see it: the platform operator or one tenant."""

    client: object  # tenants.models.Client
    licences: list[Licence] = field(default_factory=list)  # own, with sites, entities, annual reports
    governing: list[Licence] = field(default_factory=list)  # what it runs under (self-use: the operator's)
    numbers: list = field(default_factory=list)  # NumberResource rows allocated to it
    active_seats: dict[str, int] = field(default_factory=dict)  # per mode, from the seat ledger
    subscribed: dict[str, int] = field(default_factory=dict)  # per mode


@dataclass
class Context:
    today: date
    operator_id: int | None = None  # the platform operator's Client row
    # Provinces where seats are sold (tenants with active seats, by the province of their credit
    # code) → the tenants' slugs. Held against the operator's licence (COV-02).
    seat_provinces: dict[str, list[str]] = field(default_factory=dict)


RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, title, message, severity: str, source: str, enforced_at: tuple[str, ...] = (),
         uncertain: bool = False, default_policy: str = Policy.ON, labels: tuple = ()):
    def register(check):
        RULES[rule_id] = Rule(rule_id, title, message, severity, source, check, enforced_at, uncertain,
                              default_policy, labels)
        return check

    return register


def guard_rule(rule_id: str, **spec) -> Rule:
    """Register a rule that is only ever a refusal (no audit check)."""
    rule(rule_id, **spec)(None)
    return RULES[rule_id]


def policies() -> dict[str, str]:
    """Every rule's policy in force: the officer's choice for uncertain rules, else the default."""
    chosen = dict(RulePolicy.objects.values_list("rule_id", "policy"))
    return {rule_id: (chosen.get(rule_id, spec.default_policy) if spec.uncertain else Policy.ON)
            for rule_id, spec in RULES.items()}


def evaluate(holders: Iterable[Holder], *, context: Context, policy: dict[str, str] | None = None
             ) -> Iterator[Finding]:
    policy = policy or policies()
    checks = [(spec, Severity.WARNING if policy[spec.id] == Policy.WARN else spec.severity)
              for spec in RULES.values() if spec.check is not None and policy[spec.id] != Policy.OFF]
    for holder in holders:
        for spec, severity in checks:
            for hit in spec.check(holder, context):
                yield Finding(spec, severity, holder.client.pk, hit)
