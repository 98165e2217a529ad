#!/usr/bin/env python3
"""Set-up and start-up on a machine that has only Python 3.11+.

    python3 dev.py run     # the whole product with demo data on http://localhost:8000
    python3 dev.py test    # the whole test suite (extra arguments go to pytest)
    python3 dev.py bench NAME   # a benchmark (provisioning, fleet-migrate, compliance-audit); prints a table, writes JSON

Creates `.venv`, installs the project into it whenever `pyproject.toml` changes, then hands over
to `saas.launcher` inside the virtual environment. Standard library only, on purpose.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 — dev.py runs under whatever python3 the machine has
        sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print("· creating the virtual environment in .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{fingerprint}"
    if stamp.exists():
        return
    print("· installing dependencies (first run takes a minute or two)", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "--progress-bar", "on", "-e", f"{ROOT}[dev]"], check=True)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "bench"}:
        sys.exit(__doc__)
    ensure_environment()
    os.chdir(ROOT)
    os.execv(PYTHON, [str(PYTHON), "-m", "saas.launcher", *sys.argv[1:]])


if __name__ == "__main__":
    main()
