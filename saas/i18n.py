"""Compile the gettext catalogues (.po → .mo) in pure Python, so no GNU gettext is needed to run.

`python -m saas.i18n` compiles whatever is stale; the launcher does it at every start.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def compile_catalogs(root: Path = ROOT) -> int:
    compiled = 0
    for po_path in root.glob("*/locale/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            compiled += 1
    return compiled


if __name__ == "__main__":
    print(f"compiled {compile_catalogs()} catalogue(s)")
