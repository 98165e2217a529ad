"""What a simulation counts and measures, and its live display."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich.table import Table

from saas.bench import percentile


@dataclass
class Stats:
    """Counters and latency samples (seconds), filled by the simulated gateway and agents."""

    counts: Counter = field(default_factory=Counter)
    # From sending call.offered to receiving the product's first route (or callback) command for it.
    routing: list[float] = field(default_factory=list)
    # From sending call.offered to the ringing agent's desktop receiving a "state" with that call.
    to_browser: list[float] = field(default_factory=list)
    # Messages that broke the ACD's promise: a call offered to two agents at once, or an agent given
    # a second call while holding one. Each entry says what was seen.
    double_assignments: list[str] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)  # refused receipts and desktop errors, by code

    def add(self, name: str, count: int = 1) -> None:
        self.counts[name] += count

    def latency(self, samples: list[float]) -> dict:
        if not samples:
            return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
        return {"n": len(samples), "p50_ms": round(percentile(samples, 0.5) * 1000, 1),
                "p99_ms": round(percentile(samples, 0.99) * 1000, 1), "max_ms": round(max(samples) * 1000, 1)}

    def summary(self) -> dict:
        return {"counts": dict(self.counts), "routing": self.latency(self.routing),
                "to_browser": self.latency(self.to_browser), "double_assignments": len(self.double_assignments),
                "errors": dict(self.errors)}

    def table(self, *, title: str, live: dict[str, int], agents: Counter) -> Table:
        """The live display: calls by outcome, calls in progress, agents by state, latencies."""
        table = Table(title=title, show_header=False, box=None, padding=(0, 2))
        table.add_column(style="bold")
        table.add_column(justify="right")
        for label, value in (
            ("offered", self.counts["offered"]), ("answered", self.counts["answered"]),
            ("abandoned", self.counts["abandoned"]), ("ended", self.counts["ended"]),
            ("callbacks accepted", self.counts["callback_requested"]),
            ("voicemail / closed / refused", self.counts["voicemail"] + self.counts["closed"] + self.counts["refuse"]),
            ("busy tone / finished in the IVR", f"{self.counts['blocked']} / {self.counts['ivr_completed']}"),
            ("dialled out / connected", f"{self.counts['dialled']} / {self.counts['outbound connected']}"),
            ("waiting now", live.get("waiting", 0)), ("ringing now", live.get("ringing", 0)),
            ("talking now", live.get("talking", 0)),
        ):
            table.add_row(label, str(value))
        table.add_row("agents", "  ".join(f"{state} {count}" for state, count in sorted(agents.items())) or "-")
        for label, samples in (("routing decision", self.routing), ("event to desktop", self.to_browser)):
            measured = self.latency(samples)
            value = "-" if not measured["n"] else f"p50 {measured['p50_ms']} ms  p99 {measured['p99_ms']} ms"
            table.add_row(label, value)
        if self.double_assignments:
            table.add_row("[red]double assignments", str(len(self.double_assignments)))
        if self.errors:
            table.add_row("refusals", "  ".join(f"{code} {count}" for code, count in self.errors.most_common(4)))
        return table
