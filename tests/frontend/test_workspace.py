"""The client admin's setup pages: every resource listed, created, edited and switched off in the browser."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from compliance.models import NumberResource
from frontend.workspace import RESOURCES
from saas.agents.models import Agent, Skill
from saas.calendars.models import CalendarDay
from saas.queues.models import Queue
from saas.seats.models import Seat
from tenants.models import Client

PAGES = [*(f"/workspace/{slug}/" for slug in RESOURCES), "/workspace/numbers/"]


def _in_acme():
    return schema_context(Client.objects.get(slug="acme").schema_name)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("role", "status"), [("tenant_admin", 200), ("supervisor", 200), ("agent", 403)])
def test_every_setup_page_opens_for_the_roles_that_may_see_it(web, path, role, status):
    assert web("acme", role).get(path).status_code == status


def test_supervisors_see_the_lists_but_no_edit_controls(web):
    page = web("acme", "supervisor").get("/workspace/seats/").content.decode()
    assert "A001" in page and "/workspace/seats/new/" not in page
    assert web("acme", "supervisor").get("/workspace/seats/new/").status_code == 403


def test_the_seats_page_draws_used_against_subscribed(web):
    page = web("acme", "tenant_admin").get("/workspace/seats/").content.decode()
    hosted = page.split('data-kind="hosted"')[1].split("</div>")[0]
    assert 'style="width: 60%"' in hosted and "<strong>12</strong> / 20" in hosted


def test_a_seat_created_in_the_page_is_stored(web):
    # when
    response = web("acme", "tenant_admin").post("/workspace/seats/new/", {
        "code": "P001", "name": "页面座席", "kind": "hosted", "extension": "7301", "active": "on"})

    # then
    assert response.status_code == 302
    with _in_acme():
        assert Seat.objects.get(code="P001").status == Seat.Status.ACTIVE


def test_the_seat_limit_error_is_shown_in_the_page(web):
    # given: acme at its cap of 20 hosted seats
    client = web("acme", "tenant_admin")
    for number in range(8):
        client.post("/workspace/seats/new/", {"code": f"Q{number}", "name": "满额", "kind": "hosted",
                                              "extension": f"74{number}0", "active": "on"})

    # when
    response = client.post("/workspace/seats/new/", {"code": "Q9", "name": "超额", "kind": "hosted",
                                                     "extension": "7499", "active": "on"})

    # then
    page = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in page and "20" in page
    with _in_acme():
        assert not Seat.objects.filter(code="Q9").exists()


@pytest.mark.parametrize(("language", "message"), [("zh-hans", "3 至 6 位数字。"), ("en", "3 to 6 digits.")])
def test_validation_messages_stand_next_to_the_field_in_the_chosen_language(web, language, message):
    # given
    client = web("acme", "tenant_admin")
    client.post("/i18n/setlang/", {"language": language, "next": "/"})

    # when
    response = client.post("/workspace/seats/new/", {"code": "P002", "name": "x", "kind": "hosted", "extension": "1"})

    # then
    page = response.content.decode()
    extension_label = page.split('name="extension"')[1].split("</label>")[0]
    assert response.status_code == 400 and message in extension_label


def test_a_queue_with_hours_and_wrap_up_codes_is_created_from_the_page(web):
    # when
    response = web("acme", "tenant_admin").post("/workspace/queues/new/", {
        "name": "页面队列", "strategy": "round_robin", "priority": "6", "service_level_percent": "80",
        "service_level_seconds": "20", "short_abandon_seconds": "20", "overflow_action": "none",
        "after_call_work_seconds": "30", "wrap_up_required": "on",
        "wrap_up_text": "resolved 已解决\ncallback 需回访",
        "hours_0": "09:00-12:00, 13:00-18:00", "hours_7": "10:00-16:00",
    })

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    with _in_acme():
        queue = Queue.objects.get(name="页面队列")
        assert sorted(queue.wrap_up_codes.values_list("code", flat=True)) == ["callback", "resolved"]
        assert [(h.day, f"{h.opens:%H:%M}") for h in queue.hours.all()] == [(0, "09:00"), (0, "13:00"), (7, "10:00")]


def test_badly_written_hours_are_explained_next_to_the_day(web):
    response = web("acme", "tenant_admin").post("/workspace/queues/new/", {
        "name": "坏时间", "strategy": "longest_idle", "priority": "5", "service_level_percent": "80",
        "service_level_seconds": "20", "short_abandon_seconds": "20", "overflow_action": "none",
        "after_call_work_seconds": "30", "hours_1": "nine to five"})
    assert response.status_code == 400 and "09:00-18:00" in response.content.decode()


def test_an_agent_created_from_the_page_gets_skills_and_a_password_shown_once(web):
    # given
    with _in_acme():
        mandarin = Skill.objects.get(name="普通话").pk
    client = web("acme", "tenant_admin")

    # when
    response = client.post("/workspace/agents/new/", {
        "username": "page-agent", "employee_number": "P-100", "name": "页面座席员", "hire_date": "2026-06-01",
        f"skill_{mandarin}": "4"}, follow=True)

    # then
    page = response.content.decode()
    assert "page-agent" in page and "不会再次显示" in page
    with _in_acme():
        agent = Agent.objects.get(employee_number="P-100")
        assert [(s.skill_id, s.proficiency) for s in agent.agent_skills.all()] == [(mandarin, 4)]


def test_switching_off_a_skill_and_deleting_a_calendar_day(web):
    # given
    client = web("acme", "tenant_admin")
    client.post("/workspace/calendar/new/", {"date": "2026-08-08", "kind": "holiday", "name": "司庆"})
    with _in_acme():
        skill = Skill.objects.get(name="粤语")
        day = CalendarDay.objects.get(date="2026-08-08")

    # when
    client.post(f"/workspace/skills/{skill.pk}/off/")
    client.post(f"/workspace/calendar/{day.pk}/off/")

    # then
    with _in_acme():
        assert Skill.objects.get(pk=skill.pk).active is False
        assert not CalendarDay.objects.filter(pk=day.pk).exists()


def test_a_number_is_routed_from_the_page(web):
    # given
    client = web("acme", "tenant_admin")
    with _in_acme():
        queue = Queue.objects.create(name="页面热线")
    number = NumberResource.objects.get(number="4008208820")

    # when
    response = client.post(f"/workspace/numbers/{number.pk}/", {"queue": queue.pk, "follow_queue_hours": "on",
                                                                 "closed_action": "voicemail"})

    # then
    assert response.status_code == 302
    number.refresh_from_db()
    assert number.routed_queue == "页面热线"


def test_active_rows_offer_deactivate_and_inactive_rows_activate(web):
    page = web("acme", "tenant_admin").get("/workspace/seats/").content.decode()
    active_row = page.split('data-id="1"')[1].split("</tr>")[0]
    inactive_row = page.split('<tr class="off"')[1].split("</tr>")[0]
    assert "/off/" in active_row and "停用" in active_row
    assert "/on/" in inactive_row and "启用" in inactive_row


def test_a_seat_is_deactivated_from_its_row(web):
    # given
    client = web("acme", "tenant_admin")
    with _in_acme():
        seat = Seat.objects.get(code="A001")

    # when
    client.post(f"/workspace/seats/{seat.pk}/off/")

    # then
    with _in_acme():
        assert Seat.objects.get(pk=seat.pk).status == Seat.Status.INACTIVE


def test_an_import_from_the_page_names_the_bad_rows_and_stores_nothing(web):
    # given
    content = "编码,名称,类型,分机号,系统平台,启用\nD001,导入,托管,8201,,否\nD002,导入,托管,1,,否\n".encode()

    # when
    response = web("acme", "tenant_admin").post("/workspace/seats/import/", {
        "file": SimpleUploadedFile("seats.csv", content), "import": "1"})

    # then
    report = response.content.decode().split('id="import-report"')[1]
    assert response.status_code == 400 and "<td>3</td>" in report and "extension" in report
    with _in_acme():
        assert not Seat.objects.filter(code="D001").exists()


def test_a_checked_file_imports_from_the_page(web):
    content = "编码,名称,类型,分机号,系统平台,启用\nD003,导入,托管,8203,,否\n".encode()
    client = web("acme", "tenant_admin")
    checked = client.post("/workspace/seats/import/", {"file": SimpleUploadedFile("s.csv", content), "check": "1"})
    assert "Nothing was stored yet" in checked.content.decode() or "尚未保存" in checked.content.decode()
    client.post("/workspace/seats/import/", {"file": SimpleUploadedFile("s.csv", content), "import": "1"})
    with _in_acme():
        assert Seat.objects.filter(code="D003").exists()
