"""Benchmark plumbing: a scratch database, timing, and a report printed as a table and written as JSON.

Benchmarks never touch the demo data: each runs in a database of its own (`bench_<name>`), created
and migrated at the start and dropped at the end, on Redis databases of its own (`dev.py bench`).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psutil
from django.core.management import call_command
from django.db import connection
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

RESULTS_DIR = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"


@contextmanager
def scratch_database(name: str) -> Iterator[None]:
    original = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": f"bench_{name}"}
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        call_command("migrate_fleet", verbosity=0)
        yield
    finally:
        connection.set_schema_to_public()
        connection.creation.destroy_test_db(original, verbosity=0)


def progress(description: str) -> Progress:
    return Progress(TextColumn(f"[bold]{description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "p50_s": round(statistics.median(samples), 4),
        "p95_s": round(percentile(samples, 0.95), 4),
        "max_s": round(max(samples), 4),
    }


def machine() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": postgres,
    }


def report(name: str, *, parameters: dict, rows: list[tuple[str, ...]], header: tuple[str, ...], results: dict,
           output: Path | None = None) -> Path:
    table = Table(title=f"benchmark: {name}")
    for column in header:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    output = output or RESULTS_DIR / f"{name}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": parameters,
        "results": results,
    }
    output.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    Console().print(f"written to {output}")
    return output
