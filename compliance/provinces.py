"""The 31 mainland provinces (GB/T 2260) with their fixed-line area codes, from data/provinces.json."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "provinces.json"


@cache
def _mainland() -> list[dict]:
    return json.loads(DATA.read_text())["mainland"]


def codes() -> list[str]:
    return [province["gb2260"] for province in _mainland()]


def name(code: str) -> str:
    return next((province["name"] for province in _mainland() if province["gb2260"] == code), code)


@cache
def by_area_code() -> dict[str, str]:
    return {area: province["gb2260"] for province in _mainland() for area in province["area_codes"]}
