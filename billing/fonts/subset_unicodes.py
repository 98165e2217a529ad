"""Print the code points kept in the invoice font subset, one U+XXXX a line, for `fonttools subset --unicodes-file`.

Not imported by the application: it documents, and reproduces, how billing/fonts/*.ttf were made (README.md).
"""

import contextlib
import sys

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement: ¥ × ÷ · and accented Latin of foreign names
    (0x2000, 0x206F),  # general punctuation: – — ‘ ’ “ ” … ‰
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。〇《》【】
    (0xFF00, 0xFFEF),  # half- and fullwidth forms: （）：，￥
]
EXTRA = [0x2116, 0x2212, 0x20AC, 0x25A1]  # № − € □ (□ stands in for a character the font lacks)


def gb2312() -> set[int]:
    """Every character of GB 2312 (hanzi levels 1 and 2, symbols, kana, Greek, Cyrillic, box drawing)."""
    found = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # an unassigned code
                found.update(map(ord, bytes([lead, trail]).decode("gb2312")))
    return found


def main() -> None:
    characters = gb2312()
    hanzi = sum(0x4E00 <= cp <= 0x9FFF for cp in characters)
    print(f"{len(characters)} GB 2312 characters, {hanzi} of them hanzi", file=sys.stderr)
    keep = characters | {cp for first, last in RANGES for cp in range(first, last + 1)} | set(EXTRA)
    print("\n".join(f"U+{cp:04X}" for cp in sorted(keep)))


if __name__ == "__main__":
    main()
