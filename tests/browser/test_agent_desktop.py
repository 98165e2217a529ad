"""The issue's done-when in a real browser: an agent logs into acme's desktop, goes ready, takes a
simulated call (the call-traffic simulator plays the caller and the telephony gateway), answers and
wraps up, while a supervisor's wallboard in a second browser window follows every step."""

import asyncio
import threading
import time

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from saas.acd import gateway
from saas.acd.models import AgentState, Call, Reservation
from saas.acd.services import do_logout
from saas.acd.simulator.distributions import Behaviour
from saas.acd.simulator.run import Simulation, forget, prepare
from saas.agents.models import Agent
from saas.demo import DEMO_PASSWORD
from tests.acd.conftest import live_acme  # noqa: F401  (a fixture: acme's ACD rows are cleaned up after)

CALLER = "13800138000"  # a Beijing mobile number


def _log_in(page, base: str, username: str, path: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base}/**")
    page.goto(f"{base}{path}")


def _log_out(tenant, agent) -> None:
    try:
        with tenant_context(tenant):
            do_logout(agent=agent, actor=agent.user)
    finally:
        connection.close()


class SimulatorInThread:
    """The simulator with no simulated agents (the person in the browser is the only one), as the
    gateway of acme, in a thread with its own event loop; `offer` puts one caller on the line."""

    def __init__(self, port: int, schema: str):
        self.schema = schema
        behaviour = Behaviour(patience_mean=0, talk_mean=3, talk_sd=0.5, hold_probability=0,
                              agent_hangup_probability=0, ring_delay=0.05)
        self.setup = prepare(tenant="acme", host="acme.localhost", agents=0)
        self.simulation = Simulation(self.setup, address=("127.0.0.1", port), streams=[], behaviour=behaviour)
        self.thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    async def _main(self):
        self.loop, self.stop = asyncio.get_running_loop(), asyncio.Event()
        await self.simulation.run(self.stop, drain=0)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 15
        while not gateway.connected(self.schema):
            assert time.monotonic() < deadline, "the simulated gateway did not connect"
            time.sleep(0.1)
        return self

    def offer(self, *, queue: str, number: str, caller: str) -> None:
        self.loop.call_soon_threadsafe(
            lambda: self.simulation.gateway.offer(queue=queue, access_number=number, caller=caller))

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(15)
        forget(self.setup)


def test_an_agent_takes_a_simulated_call_while_the_wallboard_follows(live_acme, site, page):  # noqa: F811
    # given: the supervisor's wallboard open in a second browser window
    connection.set_tenant(live_acme)
    started = timezone.now()
    base = site("acme")
    port = int(base.rsplit(":", 1)[1])
    agent = Agent.objects.select_related("user").get(user__username="acme-agent")
    wallboard = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(wallboard, base, "acme-supervisor", "/wallboard/")
    expect(wallboard.locator("#wallboard-connection")).to_have_attribute("data-state", "open")
    row_state = wallboard.locator(f'[data-agent="{agent.employee_number}"] [data-field="state"]')
    answered = wallboard.locator('[data-queue="售后服务"] [data-field="answered"]')
    answered_before = int(answered.inner_text())

    with SimulatorInThread(port, live_acme.schema_name) as simulator:
        try:
            # when: the agent logs into a seat and goes ready
            _log_in(page, base, "acme-agent", "/desktop/")
            expect(page.locator("#desktop-connection")).to_have_attribute("data-state", "open")
            page.click("#login-button")
            expect(page.locator("#desktop-state")).to_have_attribute("data-state", AgentState.NOT_READY)
            page.click("#ready-button")

            # then: the wallboard shows the agent ready
            expect(page.locator("#desktop-state")).to_have_attribute("data-state", AgentState.READY)
            expect(row_state).to_have_attribute("data-state", AgentState.READY)

            # when: a simulated caller dials acme's hotline
            simulator.offer(queue="售后服务", number="4008208820", caller=CALLER)

            # then: it rings at the agent with the caller's number and province, and on the wallboard
            expect(page.locator("#desktop-state")).to_have_attribute("data-state", AgentState.RINGING)
            expect(page.locator("#caller-number")).to_have_text(CALLER)
            expect(page.locator("#caller-province")).to_have_text("北京市")
            expect(row_state).to_have_attribute("data-state", AgentState.RINGING)

            # when: the agent answers (the desktop asks the gateway, the gateway reports the answer)
            page.click("#answer-button")

            # then
            expect(page.locator("#desktop-state")).to_have_attribute("data-state", AgentState.ON_CALL)
            expect(row_state).to_have_attribute("data-state", AgentState.ON_CALL)

            # when: the caller hangs up after talking, and the agent wraps up
            expect(page.locator("#desktop-state")).to_have_attribute("data-state", AgentState.AFTER_CALL_WORK,
                                                                     timeout=15_000)
            expect(row_state).to_have_attribute("data-state", AgentState.AFTER_CALL_WORK)
            page.select_option("#wrap-up-code", "repair")
            page.fill("#wrap-up-notes", "空调不制冷，已预约上门")
            page.check("#wrap-up-fcr")
            page.click("#wrap-up-done")

            # then: ready again, and the wallboard counts the answered call
            expect(page.locator("#desktop-state")).to_have_attribute("data-state", AgentState.READY)
            expect(row_state).to_have_attribute("data-state", AgentState.READY)
            expect(answered).to_have_text(str(answered_before + 1))
        finally:
            # Playwright's loop runs in this thread; the logout's pushes need a thread without one.
            logout = threading.Thread(target=_log_out, args=(live_acme, agent))
            logout.start()
            logout.join(10)

    call = Call.objects.get(caller=CALLER, agent=agent, offered_at__gte=started)
    taken = Reservation.objects.get(call=call, answered_at__isnull=False)
    assert (call.status, call.hung_up_by) == ("ended", "caller")
    assert (taken.wrap_up_code.code, taken.notes, taken.resolved_first_contact) == (
        "repair", "空调不制冷，已预约上门", True)
