"""The compliance rules. `docs/compliance-rules.md` is generated from this registry (`saas compliance_rules`).

Each family of rules lives in its own module; importing this package registers them all, in the
order of the catalogue.
"""

from compliance.rules import conduct, coverage, entities, licence, numbers, topology  # noqa: F401  (registers)
from compliance.rules.registry import (  # noqa: F401
    RULES,
    Context,
    Finding,
    Hit,
    Holder,
    Policy,
    Rule,
    Severity,
    evaluate,
    policies,
)
