"""`saas compliance_rules`: write docs/compliance-rules.md from the rule registry (`--check`: only
compare, exit 1 if the file is stale)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from compliance.rules import RULES, Policy

FAMILIES = ("LIC", "TOP", "COV", "BR", "NUM", "SELF", "OUT", "SEAT")


def catalogue():
    """The rules by family, then id."""
    return sorted(RULES.values(), key=lambda spec: (FAMILIES.index(spec.id.split("-")[0]), spec.id))

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "compliance-rules.md"


def render() -> str:
    lines = [
        "# Compliance rules",
        "",
        "Generated from `compliance/rules.py` by `saas compliance_rules`; a test fails when this file is stale.",
        "A rule marked *configurable* rests on a point where the sources disagree (`[?]` in LICENCE_FACTS.md):",
        "a compliance officer sets it to enforce, warn only, or off; the others are always enforced.",
        "*Audited* rules are checked by every audit run; *enforced at* names the actions refused (409 with the",
        "rule's id as the error code) when they would create a violation. A rule audited nowhere is a guard:",
        "what it forbids cannot be stored, so there is nothing to find afterwards.",
        "",
        "| id | rule | severity | policy | audited | enforced at | source |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for spec in catalogue():
        policy = f"configurable, default {Policy(spec.default_policy).value}" if spec.uncertain else "always on"
        with translation.override("zh-hans"):
            title_zh = str(spec.title)
        with translation.override("en"):
            title_en = str(spec.title)
        audited = "yes" if spec.check else "—"
        enforced = "; ".join(spec.enforced_at) or "—"
        lines.append(f"| {spec.id} | {title_zh} · {title_en} | {spec.severity} | {policy} | {audited} | "
                     f"{enforced} | {spec.source} |")
    lines += ["", "## Messages", ""]
    for spec in catalogue():
        with translation.override("zh-hans"):
            zh = str(spec.message)
        with translation.override("en"):
            en = str(spec.message)
        lines += [f"- **{spec.id}** {zh}", f"  {en}"]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Write docs/compliance-rules.md from the rule registry."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Exit 1 if the document is stale.")

    def handle(self, *args, check: bool, **options):
        document = render()
        if check:
            if not DOCUMENT.exists() or DOCUMENT.read_text() != document:
                raise CommandError(f"{DOCUMENT} is stale: run `saas compliance_rules`")
            return
        DOCUMENT.write_text(document)
        self.stdout.write(f"wrote {DOCUMENT} ({len(RULES)} rules)")
