"""`saas simulate_calls --tenant acme`: 话务模拟器, the call-traffic simulator (docs/simulator.md)."""

from __future__ import annotations

import asyncio
import os
import signal

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from saas.acd.simulator.distributions import COMMAND_DEFAULTS, Behaviour
from saas.acd.simulator.run import (
    Simulation,
    SimulationError,
    event_loop_runner,
    forget,
    live_display,
    parse_rates,
    prepare,
    streams,
    unrouted,
)

# Option → the Behaviour field it sets.
BEHAVIOUR_OPTIONS = {
    "answer_delay": ("answer_delay_mean", "mean seconds from the ring at a simulated agent to the answer"),
    "talk_mean": ("talk_mean", "mean talk time in seconds (log-normal)"),
    "talk_sd": ("talk_sd", "standard deviation of the talk time in seconds"),
    "hold_probability": ("hold_probability", "share of calls a simulated agent puts on hold once"),
    "hold_mean": ("hold_mean", "mean hold in seconds (exponential)"),
    "agent_hangup_probability": ("agent_hangup_probability", "share of calls the agent ends (else the caller)"),
    "after_call_work": ("after_call_work_mean", "mean seconds of after-call work before the wrap-up"),
    "patience": ("patience_mean", "callers' mean patience in seconds while waiting or ringing (exponential; "
                                  "0: they never hang up)"),
    "callback_probability": ("callback_probability", "share of callers who accept a callback offer"),
    "break_probability": ("break_probability", "share of calls after which a simulated agent takes a break"),
    "break_mean": ("break_mean", "mean not-ready break in seconds (exponential)"),
    "blocked_probability": ("blocked_probability", "share of arriving callers who meet a busy tone"),
    "ivr_completed_probability": ("ivr_completed_probability", "share of arriving callers served by the IVR "
                                                               "who hang up there"),
    "ivr_mean": ("ivr_mean", "mean seconds those callers spend in the IVR (log-normal)"),
    "dial_out_per_hour": ("dial_out_per_hour", "calls out a simulated agent makes an hour while ready "
                                               "(Poisson; 0: none)"),
    "outbound_connect_probability": ("outbound_connect_probability", "share of calls out the called party "
                                                                     "answers"),
    "outbound_ring_mean": ("outbound_ring_mean", "mean seconds a call out rings before it connects or fails"),
}


class Command(BaseCommand):
    help = ("话务模拟器 · call-traffic simulator: callers, a telephony gateway and agents, driven through the "
            "product's gateway and agent desktop websockets.")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's slug, e.g. acme")
        parser.add_argument("--host", default="", help="the tenant's host name (default: its domain)")
        parser.add_argument("--server", default=os.environ.get("HOST", "127.0.0.1"),
                            help="the address the ASGI server listens on")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        traffic = parser.add_mutually_exclusive_group()
        traffic.add_argument("--rate-per-queue", default="", metavar="QUEUE=RATE,…",
                             help='calls a second per queue, e.g. "售后服务=0.2,会员专线=0.05"')
        traffic.add_argument("--rate", type=float, default=0.1,
                             help="calls a second, split evenly over the tenant's routed numbers (default 0.1)")
        parser.add_argument("--duration", type=float, help="seconds of offering calls (default: until Ctrl-C)")
        parser.add_argument("--drain", type=float, default=60,
                            help="seconds the calls in progress may take to end after --duration (default 60)")
        agents = parser.add_mutually_exclusive_group()
        agents.add_argument("--agents", type=int, help="simulate this many of the tenant's agents (default: all)")
        agents.add_argument("--agents-except", default="", metavar="USERNAME,…",
                            help="simulate every agent but these (the people at a desktop themselves)")
        parser.add_argument("--seed", type=int, help="seed of the random draws")
        parser.add_argument("--connections", type=int, default=1, help="gateway websockets to spread events over")
        defaults = COMMAND_DEFAULTS
        for option, (field, text) in BEHAVIOUR_OPTIONS.items():
            parser.add_argument(f"--{option.replace('_', '-')}", type=float, default=getattr(defaults, field),
                                help=f"{text} (default {getattr(defaults, field)})")
        parser.add_argument("--quiet", action="store_true", help="no live display; one line at the start and end")

    def handle(self, *args, **options):
        try:
            setup = prepare(tenant=options["tenant"], host=options["host"], agents=options["agents"],
                            agents_except=tuple(filter(None, options["agents_except"].split(","))))
            per_queue = parse_rates(options["rate_per_queue"])
            simulation = Simulation(
                setup, address=(options["server"], options["port"]),
                streams=streams(setup.routes, per_queue=per_queue, rate=options["rate"]),
                behaviour=Behaviour(**{field: options[option] for option, (field, _) in BEHAVIOUR_OPTIONS.items()}),
                seed=options["seed"], connections=options["connections"])
        except SimulationError as error:
            raise CommandError(str(error)) from None
        console = Console()
        for queue in unrouted(per_queue, setup.routes):
            console.print(f"no number is routed to {queue}: no calls for it")
        if setup.without_seat:
            console.print(f"{len(setup.without_seat)} agent(s) not simulated: only {len(setup.agents)} free active "
                          f"seat(s) ({', '.join(setup.without_seat[:5])}{'…' if len(setup.without_seat) > 5 else ''})")
        offered = ", ".join(f"{stream.queue} {stream.rate * 60:g}/min" for stream in simulation.streams)
        console.print(f"话务模拟器 · call-traffic simulator on {setup.host}:{options['port']}: {len(setup.agents)} "
                      f"simulated agent(s), calls to {offered or 'no queue'}; Ctrl-C ends the calls and logs the "
                      f"agents out")
        try:
            with event_loop_runner() as runner:
                runner.run(self._run(simulation, console, options))
        except SimulationError as error:
            raise CommandError(str(error)) from None
        finally:
            forget(setup)
        summary = simulation.stats.summary()
        console.print(simulation.stats.table(title="话务模拟器 · call-traffic simulator: totals", live={},
                                             agents=simulation.agent_states()))
        if simulation.unfinished:
            console.print(f"{simulation.unfinished} call(s) still in progress at the end were ended by the simulator")
        if summary["double_assignments"]:
            console.print(f"[red]double assignments seen: {simulation.stats.double_assignments[:5]}")

    async def _run(self, simulation: Simulation, console: Console, options: dict) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        main = asyncio.current_task()

        def interrupted():
            if stop.is_set():
                main.cancel()  # a second Ctrl-C: leave at once
            stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, interrupted)
        if options["quiet"]:
            await simulation.run(stop, duration=options["duration"], drain=options["drain"])
            return
        async with live_display(simulation, console=console, title="话务模拟器 · call-traffic simulator"):
            await simulation.run(stop, duration=options["duration"], drain=options["drain"])
