"""The wallboard snapshot: queue figures worked out by hand, agents by state, and its cost in queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saas.acd import services
from saas.acd.models import AgentState, Call, CallStatus
from saas.acd.wallboard import start_of_day, wallboard_snapshot
from saas.agents.models import AgentSkill, ReasonCode, Skill
from saas.numbers.models import NumberRoute
from saas.queues.models import Queue

from .conftest import extension_of


@pytest.fixture
def noon(acme):
    """A fixed "now": noon in Shanghai today, so that every call below is "today" at any hour of the run."""
    return start_of_day(timezone.now()) + timedelta(hours=12)


def _call(queue: Queue, status: str, *, queued: timedelta, offered=None, answered=None, ended=None) -> Call:
    """A call queued at `queued` (an absolute time), answered or ended that many seconds later."""
    seconds = timedelta(seconds=1)
    return Call.objects.create(
        gateway_call_id=f"wb-{Call.objects.count()}-{queue.pk}", caller="13800138000", access_number="4008208820",
        queue=queue, status=status, offered_at=offered or queued, queued_at=queued, last_event_at=queued,
        answered_at=queued + answered * seconds if answered is not None else None,
        ended_at=queued + ended * seconds if ended is not None else None,
    )


def _queue_in(snapshot: dict, queue: Queue) -> dict:
    return next(row for row in snapshot["queues"] if row["id"] == queue.pk)


def test_a_queues_figures_for_today(make_queue, noon):
    # given: a queue promising 80 % within 20 s, abandons up to 10 s are short
    queue = make_queue("报修热线", service_level_percent=80, service_level_seconds=20, short_abandon_seconds=10)
    other = make_queue("其他热线")
    hour = timedelta(hours=1)
    _call(queue, CallStatus.QUEUED, queued=noon - timedelta(seconds=90))          # waiting 90 s
    _call(queue, CallStatus.CALLBACK, queued=noon - 12 * hour - timedelta(minutes=10),
          offered=noon - 12 * hour - timedelta(minutes=10))                     # since 23:50 yesterday
    _call(queue, CallStatus.ENDED, queued=noon - 3 * hour, answered=5, ended=100)   # in time
    _call(queue, CallStatus.ENDED, queued=noon - 2 * hour, answered=20, ended=80)   # in time (exactly 20 s)
    _call(queue, CallStatus.ENDED, queued=noon - 1 * hour, answered=45, ended=90)   # late
    _call(queue, CallStatus.ABANDONED, queued=noon - 4 * hour, ended=4)             # short abandon
    _call(queue, CallStatus.ABANDONED, queued=noon - 5 * hour, ended=60)            # long abandon
    _call(queue, CallStatus.ENDED, queued=noon - 13 * hour, answered=3, ended=30)   # yesterday: not today's
    _call(other, CallStatus.ENDED, queued=noon - 1 * hour, answered=50, ended=60)   # another queue's

    # when
    figures = _queue_in(wallboard_snapshot(now=noon), queue)

    # then
    # Waiting: the queued call and yesterday's callback, the callback the longest: 12 h 10 min.
    assert figures["waiting"] == 2
    assert figures["longest_wait_seconds"] == 12 * 3600 + 600
    # Offered today: the queued call, three answered, two abandoned = 6 (the callback was offered yesterday).
    assert (figures["offered_today"], figures["answered_today"], figures["abandoned_today"]) == (6, 3, 2)
    # Service level: answered within 20 s (5 s, 20 s) = 2, over offered less the short abandon: 2 / (6 − 1).
    assert figures["service_level_today"] == pytest.approx(0.4)
    # ASA: (5 + 20 + 45) / 3 = 23.3 s.
    assert figures["asa_seconds"] == pytest.approx(23.3)
    assert figures["service_level_target"] == pytest.approx(0.8)


def test_a_quiet_queue_has_no_service_level_and_no_asa(make_queue, noon):
    # given: only a short abandon today, which leaves nothing to measure the service level by
    queue = make_queue("夜间热线", short_abandon_seconds=20)
    _call(queue, CallStatus.ABANDONED, queued=noon - timedelta(hours=1), ended=8)

    # when
    figures = _queue_in(wallboard_snapshot(now=noon), queue)

    # then
    assert (figures["waiting"], figures["longest_wait_seconds"]) == (0, 0)
    assert (figures["offered_today"], figures["abandoned_today"]) == (1, 1)
    assert figures["service_level_today"] is None and figures["asa_seconds"] is None


def test_an_inactive_queue_is_not_on_the_wallboard(make_queue, noon):
    # given
    queue = make_queue("停用热线", active=False)

    # when
    snapshot = wallboard_snapshot(now=noon)

    # then
    assert queue.pk not in {row["id"] for row in snapshot["queues"]}


def test_a_queue_counts_the_logged_in_agents_who_have_every_skill_it_requires(make_queue, agents):
    # given: a queue requiring 粤语 and 投诉处理; four agents logged in, one of them then logged out
    cantonese, complaints = Skill.objects.get(name="粤语"), Skill.objects.get(name="投诉处理")
    queue = make_queue("粤语投诉")
    queue.required_skills.set([cantonese, complaints])
    both, only_one, not_ready, gone = agents(4)
    for agent in (both, not_ready, gone):
        AgentSkill.objects.bulk_create([AgentSkill(agent=agent, skill=cantonese, proficiency=3),
                                        AgentSkill(agent=agent, skill=complaints, proficiency=2)])
    AgentSkill.objects.create(agent=only_one, skill=cantonese, proficiency=5)
    services.do_set_ready(agent=both, actor=both.user)
    services.do_set_ready(agent=only_one, actor=only_one.user)
    services.do_set_not_ready(agent=not_ready, actor=not_ready.user, reason=ReasonCode.objects.get(code="lunch"))
    services.do_logout(agent=gone, actor=gone.user)

    # when
    snapshot = wallboard_snapshot()

    # then
    counts = _queue_in(snapshot, queue)["agents"]
    assert counts == {"not_ready": 1, "ready": 1, "ringing": 0, "on_call": 0, "on_hold": 0, "after_call_work": 0}
    listed = {row["employee_number"]: row for row in snapshot["agents"]}
    assert gone.employee_number not in listed
    assert listed[not_ready.employee_number]["reason"] == "就餐"
    assert listed[both.employee_number]["state"] == "ready" and listed[both.employee_number]["reason"] is None


def test_an_agent_on_a_call_shows_the_call_and_its_queue(queue, ready, gateway):
    # given
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))

    # when
    row = next(row for row in wallboard_snapshot()["agents"] if row["id"] == agent.pk)

    # then
    assert (row["state"], row["call_id"], row["queue"]) == ("on_call", call_id, queue.name)
    assert row["team"] == "客服一组" and row["name"] == agent.name
    assert row["seconds_in_state"] >= 0 and row["since"].endswith("+08:00")


def test_an_agent_in_after_call_work_has_no_call_in_hand(make_queue, ready, gateway):
    # given: a queue with after-call work; the call has ended
    queue = make_queue("售后回访", after_call_work_seconds=60)
    NumberRoute.objects.filter(number__number="4008208820").update(queue=queue)
    [agent] = ready(1)
    call_id = gateway.offer()
    gateway.send("call.answered", call_id, extension=extension_of(agent))
    gateway.send("call.ended", call_id, hung_up_by="caller")

    # when
    row = next(row for row in wallboard_snapshot()["agents"] if row["id"] == agent.pk)

    # then
    assert row["state"] == AgentState.AFTER_CALL_WORK and row["call_id"] is None and row["queue"] is None


def test_the_snapshot_costs_the_same_few_queries_however_many_calls(make_queue, agents, noon):
    # given
    queue = make_queue("压力热线")
    agents(3)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            wallboard_snapshot(now=noon)
        return sum(1 for query in captured if query["sql"].startswith("SELECT"))  # not django-tenants' SETs

    few = queries()
    for minute in range(60):
        _call(queue, CallStatus.ENDED, queued=noon - timedelta(minutes=minute), answered=minute % 30, ended=90)
        _call(queue, CallStatus.QUEUED, queued=noon - timedelta(seconds=minute))

    # when
    many = queries()

    # then
    assert few == many <= 2
