from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[2] / "saas" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _translated(entry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def test_every_message_has_a_chinese_translation():
    untranslated = [entry.msgid for entry in polib.pofile(str(CATALOGUE))
                    if not entry.obsolete and (not _translated(entry) or "fuzzy" in entry.flags)]
    assert untranslated == []
