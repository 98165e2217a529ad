"""Queues: defaults from the seed (80/20, 20 s short abandon), overflow, wrap-up codes, opening hours."""

import pytest

QUEUES = "/api/v1/queues/"
WEEKDAYS = [{"day": day, "opens": "09:00", "closes": "18:00"} for day in range(5)]


def _create(admin, **fields):
    return admin.post(QUEUES, {"name": "售后热线", **fields}, format="json")


def test_a_queue_gets_the_industry_defaults(api):
    # when
    queue = _create(api("acme", "tenant_admin")).json()

    # then
    assert (queue["strategy"], queue["service_level_percent"], queue["service_level_seconds"],
            queue["short_abandon_seconds"], queue["overflow_action"]) == ("longest_idle", 80, 20, 20, "none")


def test_a_full_queue_round_trips(api):
    # given
    admin = api("acme", "tenant_admin")
    skill = admin.get("/api/v1/skills/").json()["results"][0]["id"]
    fallback = _create(admin, name="兜底队列").json()["id"]

    # when
    created = _create(admin, required_skills=[skill], strategy="skills_weighted", priority=8, max_wait_seconds=120,
                      overflow_action="queue", overflow_queue=fallback, wrap_up_required=True,
                      wrap_up_codes=[{"code": "resolved", "name": "已解决"}, {"code": "callback", "name": "需回访"}],
                      hours=[*WEEKDAYS, {"day": 7, "opens": "10:00", "closes": "16:00"}])

    # then
    body = created.json()
    assert created.status_code == 201, body
    assert body["required_skills"] == [skill] and body["overflow_queue"] == fallback
    assert [code["code"] for code in body["wrap_up_codes"]] == ["callback", "resolved"]
    assert len(body["hours"]) == 6 and body["hours"][-1] == {"day": 7, "opens": "10:00:00", "closes": "16:00:00"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"overflow_action": "voicemail"}, "overflow_action"),  # no maximum wait or length
        ({"overflow_action": "queue", "max_length": 10}, "overflow_queue"),  # which queue?
        ({"priority": 11}, "priority"),
        ({"service_level_percent": 0}, "service_level_percent"),
        ({"strategy": "random"}, "strategy"),
        ({"wrap_up_required": True}, "wrap_up_codes"),  # required, but none defined
        ({"hours": [{"day": 0, "opens": "18:00", "closes": "09:00"}]}, "closes"),
        ({"hours": [{"day": 0, "opens": "09:00", "closes": "12:00"}, {"day": 0, "opens": "11:00", "closes": "14:00"}]},
         "hours"),
        ({"hours": [{"day": 8, "opens": "09:00", "closes": "12:00"}]}, "hours"),
    ],
)
def test_queue_validation_refuses_and_stores_nothing(api, fields, field):
    # given
    admin = api("acme", "tenant_admin")
    before = admin.get(QUEUES).json()["count"]

    # when
    response = _create(admin, **fields)

    # then
    assert response.status_code == 400, response.content
    assert field in str(response.json()["error"]["details"])
    assert admin.get(QUEUES).json()["count"] == before


@pytest.mark.parametrize(
    "fields",
    [
        {"overflow_action": "voicemail", "max_wait_seconds": 60},
        {"overflow_action": "callback", "max_length": 5},
        {"hours": [{"day": 0, "opens": "09:00", "closes": "12:00"}, {"day": 0, "opens": "12:00", "closes": "18:00"}]},
        {"priority": 10, "service_level_percent": 100, "short_abandon_seconds": 0},
    ],
)
def test_queue_validation_accepts_the_edge_values(api, fields):
    assert _create(api("acme", "tenant_admin"), **fields).status_code == 201


def test_wrap_up_codes_are_kept_by_code_and_deactivated_rather_than_deleted(api):
    # given
    admin = api("acme", "tenant_admin")
    codes = [{"code": "resolved", "name": "已解决"}, {"code": "spam", "name": "骚扰"}]
    queue = _create(admin, wrap_up_codes=codes).json()

    # when
    updated = admin.patch(f"{QUEUES}{queue['id']}/", {"wrap_up_codes": [{"code": "resolved", "name": "问题已解决"}]},
                          format="json").json()

    # then
    codes = {code["code"]: code for code in updated["wrap_up_codes"]}
    assert codes["resolved"] == {"code": "resolved", "name": "问题已解决", "active": True}
    assert codes["spam"]["active"] is False


def test_a_queue_cannot_overflow_into_itself(api):
    # given
    admin = api("acme", "tenant_admin")
    queue = _create(admin, max_length=5).json()

    # when
    response = admin.patch(f"{QUEUES}{queue['id']}/", {"overflow_action": "queue", "overflow_queue": queue["id"]},
                           format="json")

    # then
    assert response.status_code == 400 and "overflow_queue" in response.json()["error"]["details"]


def test_supervisors_read_queues_and_agents_do_not(api):
    created = _create(api("acme", "tenant_admin")).json()
    assert created["id"] in {row["id"] for row in api("acme", "supervisor").get(QUEUES).json()["results"]}
    assert api("acme", "supervisor").post(QUEUES, {"name": "x"}, format="json").status_code == 403
    assert api("acme", "agent").get(QUEUES).status_code == 403
