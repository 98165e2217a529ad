from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[2] / "saas" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    untranslated = [entry.msgid for entry in polib.pofile(str(CATALOGUE))
                    if not entry.obsolete and (not entry.msgstr or "fuzzy" in entry.flags)]
    assert untranslated == []
