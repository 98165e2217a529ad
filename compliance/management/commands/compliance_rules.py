"""`saas compliance_rules`: write docs/compliance-rules.md from the rule registry (`--check`: only
compare, exit 1 if the file is stale)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from compliance.rules import RULES, Policy

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "compliance-rules.md"


def render() -> str:
    lines = [
        "# Compliance rules",
        "",
        "Generated from `compliance/rules.py` by `saas compliance_rules`; a test fails when this file is stale.",
        "A rule marked *configurable* rests on a point where the sources disagree (`[?]` in LICENCE_FACTS.md):",
        "a compliance officer sets it to enforce, warn only, or off; the others are always enforced.",
        "",
        "| id | rule | severity | policy | source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in RULES.values():
        policy = f"configurable, default {Policy(spec.default_policy).value}" if spec.uncertain else "always on"
        with translation.override("zh-hans"):
            title_zh = str(spec.title)
        with translation.override("en"):
            title_en = str(spec.title)
        lines.append(f"| {spec.id} | {title_zh} · {title_en} | {spec.severity} | {policy} | {spec.source} |")
    lines += ["", "## Messages", ""]
    for spec in RULES.values():
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
