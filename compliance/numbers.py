"""What kind of number a number resource is (码号资源), from its digits.

Special service numbers (95, 96, 400, 800, 100xx, 106) are recognised by their prefix and length as
LICENCE_FACTS.md lists them; ordinary fixed and mobile numbers by `phonenumbers`, fixed ones placed
in their province by the area code (compliance/data/provinces.json, GB/T 2260).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.db import models
from django.utils.translation import gettext_lazy as _

from compliance import provinces


class NumberKind(models.TextChoices):
    SHORT_95 = "95", _("95 number (nationwide, MIIT)")
    SHORT_96 = "96", _("96 number (one province)")
    FREEPHONE_400 = "400", _("400 number")
    FREEPHONE_800 = "800", _("800 number")
    CARRIER_100 = "100xx", _("100xx carrier service number")
    SMS_106 = "106x", _("106 SMS access code")
    FIXED = "fixed", _("Ordinary fixed-line number")
    MOBILE = "mobile", _("Mobile number")


@dataclass(frozen=True)
class Classified:
    number: str  # digits only, national form
    kind: str
    province: str  # GB/T 2260 code where the number itself says it; else ""


PATTERNS = [
    (re.compile(r"^95\d{3,4}$"), NumberKind.SHORT_95),
    (re.compile(r"^96\d{3,4}$"), NumberKind.SHORT_96),
    (re.compile(r"^400\d{7}$"), NumberKind.FREEPHONE_400),
    (re.compile(r"^800\d{7}$"), NumberKind.FREEPHONE_800),
    (re.compile(r"^100\d{2}$"), NumberKind.CARRIER_100),
    (re.compile(r"^106\d{2,17}$"), NumberKind.SMS_106),
]


def classify(raw: str) -> Classified | None:
    """The number's kind and province, or None if it is no Chinese number at all."""
    digits = re.sub(r"[\s\-()]", "", raw)
    digits = re.sub(r"^(\+86|0086)", "", digits)
    if not digits.isdigit():
        return None
    for pattern, kind in PATTERNS:
        if pattern.match(digits):
            return Classified(digits, kind, "")
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number_for_region(parsed, "CN"):
        return None
    national = str(parsed.national_number)
    if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
        return Classified(national, NumberKind.MOBILE, "")
    return Classified("0" + national, NumberKind.FIXED, province_of_fixed("0" + national))


def province_of_fixed(number: str) -> str:
    """The province of a fixed-line number from its area code (3 or 4 digits with the leading 0)."""
    areas = provinces.by_area_code()
    return areas.get(number[:4]) or areas.get(number[:3]) or ""
