"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters from a 31-character alphabet (no I, O, S, V, Z): registration authority, organisation
kind, 6-digit administrative division, 9-character organisation code, and a check character computed
as 31 − (Σ value × weight mod 31).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    if len(value) != 18 or any(char not in ALPHABET for char in value):
        raise ValidationError(
            _("A unified social credit code has 18 digits or capital letters (no I, O, S, V, Z)."),
            code="uscc_format",
        )
    if not value[2:8].isdigit():
        raise ValidationError(_("Characters 3 to 8 must be an administrative division code."), code="uscc_format")
    if check_character(value[:17]) != value[17]:
        raise ValidationError(_("The check character of this unified social credit code is wrong."), code="uscc_check")
