"""Who is calling: the caller's province from their number (phonenumbers' Chinese geocoder)."""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import geocoder

from compliance import provinces

_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$")


@cache
def _short_names() -> list[tuple[str, str]]:
    return [(_SUFFIX.sub("", provinces.name(code)), code) for code in provinces.codes()]


def caller_province(number: str) -> str:
    """The GB/T 2260 code of the province a Chinese number belongs to; "" when it says none (400
    numbers, foreign or unparsable numbers)."""
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return ""
    if parsed.country_code != 86:
        return ""
    description = geocoder.description_for_number(parsed, "zh")
    return next((code for short, code in _short_names() if description.startswith(short)), "")
