"""Which call goes to which agent: strategies, skills, priorities, hours and the access number's route."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from compliance.models import NumberResource
from saas.acd.models import AgentState, AgentStatus, Call, CallEvent, CallStatus
from saas.agents.models import AgentSkill, Skill
from saas.holidays.models import DayKind, PublicHoliday
from saas.numbers.models import NumberRoute
from saas.queues.models import OpeningHours, Queue

from .conftest import ACCESS_NUMBER, make_ready, state_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _call(call_id: str) -> Call:
    return Call.objects.select_related("queue", "agent").get(gateway_call_id=call_id)


@pytest.fixture
def cantonese(acme):
    return Skill.objects.get(name="粤语")


@pytest.mark.parametrize(("strategy", "chosen"), [
    (Queue.Strategy.LONGEST_IDLE, 0),  # ready longest
    (Queue.Strategy.ROUND_ROBIN, 1),  # never offered a call
    (Queue.Strategy.SKILLS_WEIGHTED, 2),  # the best at the queue's skill
])
def test_each_strategy_picks_its_own_agent(queue, ready, gateway, cantonese, strategy, chosen):
    # given: the first ready longest, the second never offered a call, the third the best at Cantonese
    queue.strategy = strategy
    queue.save()
    queue.required_skills.add(cantonese)
    agents = ready(3)
    now = timezone.now()
    for agent, offered, proficiency in zip(agents, (now - timedelta(minutes=1), None, now - timedelta(minutes=10)),
                                           (2, 3, 5), strict=True):
        AgentStatus.objects.filter(agent=agent).update(last_offered_at=offered)
        AgentSkill.objects.create(agent=agent, skill=cantonese, proficiency=proficiency)

    # when
    call_id = gateway.offer()

    # then
    assert _call(call_id).agent == agents[chosen]


def test_round_robin_goes_round(queue, ready, gateway):
    # given
    queue.strategy = Queue.Strategy.ROUND_ROBIN
    queue.save()
    agents = ready(3)

    # when: each call ends at once, so every agent is ready again for the next
    taken = []
    for _ in range(6):
        call_id = gateway.offer()
        taken.append(_call(call_id).agent)
        gateway.send("call.answered", call_id, extension=_call(call_id).agent.status.session.seat.extension)
        gateway.send("call.ended", call_id, hung_up_by="caller")

    # then
    assert taken == agents + agents


def test_an_agent_without_a_required_skill_never_gets_the_call(queue, ready, gateway, cantonese):
    # given: the agent ready longest does not speak Cantonese
    queue.required_skills.add(cantonese)
    first, second = ready(2)
    AgentSkill.objects.create(agent=second, skill=cantonese, proficiency=1)

    # when
    call_ids = [gateway.offer(), gateway.offer()]

    # then
    assert (_call(call_ids[0]).agent, _call(call_ids[0]).status) == (second, CallStatus.RINGING)
    assert (_call(call_ids[1]).agent, _call(call_ids[1]).status) == (None, CallStatus.QUEUED)
    assert state_of(first) == AgentState.READY


def test_higher_priority_first_then_the_earliest_queued(queue, make_queue, agents, gateway):
    # given: calls wait while nobody is ready; the IVR chose the urgent queue for one of them
    urgent = make_queue("紧急报修", priority=9)
    oldest = gateway.offer()
    urgent_queue = gateway.offer(ivr_selection=urgent.name)
    important_caller = gateway.offer(priority=5)
    newest = gateway.offer()
    people = agents(4)

    # when: agents become ready one by one
    taken = []
    for agent in people:
        make_ready([agent])
        taken.append(Call.objects.get(agent=agent).gateway_call_id)

    # then
    assert taken == [urgent_queue, important_caller, oldest, newest]


def test_a_queue_nobody_can_serve_does_not_hold_up_the_others(queue, make_queue, ready, gateway, cantonese):
    # given: more waiting calls than routing looks at in one go, in a queue that needs Cantonese
    hard = make_queue("粤语专线", priority=10)
    hard.required_skills.add(cantonese)
    now = timezone.now()
    Call.objects.bulk_create(
        Call(gateway_call_id=f"waiting-{number}", caller="13800138000", access_number=ACCESS_NUMBER, queue=hard,
             status=CallStatus.QUEUED, offered_at=now, queued_at=now, last_event_at=now) for number in range(250))
    [agent] = ready(1)

    # when
    call_id = gateway.offer()

    # then
    assert (_call(call_id).status, _call(call_id).agent) == (CallStatus.RINGING, agent)


def test_an_ivr_selection_names_the_queue(queue, make_queue, ready, gateway):
    # given
    members = make_queue("会员热线")

    # when
    call_id = gateway.offer(ivr_selection=members.name)

    # then
    assert _call(call_id).queue == members


def test_an_ivr_selection_of_no_queue_keeps_the_numbers_queue(queue, gateway):
    # when
    call_id = gateway.offer(ivr_selection="没有这个队列")

    # then
    assert _call(call_id).queue == queue


def test_an_unrouted_access_number_is_refused(queue, gateway):
    # given
    NumberRoute.objects.filter(number__number="951234").delete()

    # when
    call_id = gateway.offer(number="951234")

    # then
    call = _call(call_id)
    assert (call.status, call.queue, call.hung_up_by) == (CallStatus.REFUSED, None, Call.Side.SYSTEM)
    assert call.ended_at == call.offered_at


@pytest.fixture
def office_hours(queue):
    """The queue opens 08:00–22:00 on weekdays and 10:00–12:00 on public holidays."""
    queue.always_open = False
    queue.save()
    OpeningHours.objects.bulk_create([OpeningHours(queue=queue, day=day, opens=time(8), closes=time(22))
                                      for day in range(5)])
    OpeningHours.objects.create(queue=queue, day=OpeningHours.HOLIDAY, opens=time(10), closes=time(12))
    return queue


def _closed_action(action: str, closed_queue: Queue | None = None) -> None:
    NumberRoute.objects.filter(number=NumberResource.objects.get(number=ACCESS_NUMBER)).update(
        follow_queue_hours=True, closed_action=action, closed_queue=closed_queue)


def _at(day: int, hour: int) -> datetime:
    # 2026-03: the 11th is an ordinary Wednesday.
    return datetime(2026, 3, day, hour, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("action", "status"), [
    (NumberRoute.ClosedAction.MESSAGE, CallStatus.CLOSED),
    (NumberRoute.ClosedAction.VOICEMAIL, CallStatus.VOICEMAIL),
])
def test_a_closed_queue_turns_callers_away(office_hours, ready, gateway, action, status):
    # given
    _closed_action(action)
    ready(1)
    gateway.now = _at(11, 23)

    # when
    call_id = gateway.offer()

    # then
    call = _call(call_id)
    assert (call.status, call.queue, call.agent) == (status, None, None)
    assert CallEvent.objects.filter(gateway_call_id=call_id).count() == 1  # the offer, nothing routed


def test_a_closed_queue_hands_over_to_another(office_hours, make_queue, ready, gateway):
    # given
    night = make_queue("夜间值班")
    _closed_action(NumberRoute.ClosedAction.QUEUE, night)
    [agent] = ready(1)
    gateway.now = _at(11, 7)

    # when
    call_id = gateway.offer()

    # then
    assert (_call(call_id).queue, _call(call_id).agent) == (night, agent)


def test_an_open_queue_takes_the_call(office_hours, ready, gateway):
    # given
    _closed_action(NumberRoute.ClosedAction.MESSAGE)
    [agent] = ready(1)
    gateway.now = _at(11, 9)

    # when
    call_id = gateway.offer()

    # then
    assert (_call(call_id).queue, _call(call_id).agent) == (office_hours, agent)


@pytest.mark.parametrize(("hour", "status"), [(9, CallStatus.CLOSED), (11, CallStatus.RINGING)])
def test_a_public_holiday_keeps_the_holiday_hours(office_hours, ready, gateway, hour, status):
    # given: a Wednesday that is a public holiday, at 09:00 (weekday hours) and 11:00 (holiday hours)
    PublicHoliday.objects.update_or_create(date=_at(11, 0).date(), defaults={"kind": DayKind.HOLIDAY, "name": "测试节"})
    _closed_action(NumberRoute.ClosedAction.MESSAGE)
    ready(1)
    gateway.now = _at(11, hour)

    # when
    call_id = gateway.offer()

    # then
    assert _call(call_id).status == status


def test_a_number_that_ignores_the_hours_always_reaches_the_queue(office_hours, ready, gateway):
    # given
    NumberRoute.objects.filter(number__number=ACCESS_NUMBER).update(follow_queue_hours=False)
    ready(1)
    gateway.now = _at(11, 3)

    # when
    call_id = gateway.offer()

    # then
    assert _call(call_id).status == CallStatus.RINGING
