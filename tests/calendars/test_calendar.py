"""China's 2026 and 2027 holidays, the 调休 working days, tenant overrides, and queue hours over them."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import holidays as holidays_package
import pytest
from django_tenants.utils import schema_context

from saas.calendars.selectors import day
from saas.holidays.models import PublicHoliday
from saas.queues.selectors import is_open
from saas.queues.services import do_create_queue
from tenants.models import Client

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def in_acme(db):
    with schema_context(Client.objects.get(slug="acme").schema_name):
        yield


@pytest.mark.parametrize(
    ("on", "working", "holiday", "name"),
    [
        (date(2026, 1, 1), False, True, "元旦"),
        (date(2026, 1, 4), True, False, "元旦调休上班"),  # a Sunday worked
        (date(2026, 2, 14), True, False, "春节调休上班"),  # a Saturday worked
        (date(2026, 2, 15), False, True, "春节"),  # nine days off, 15 to 23 February
        (date(2026, 2, 23), False, True, "春节"),
        (date(2026, 2, 24), True, False, ""),  # an ordinary Tuesday
        (date(2026, 2, 28), True, False, "春节调休上班"),
        (date(2026, 4, 6), False, True, "清明节"),
        (date(2026, 5, 5), False, True, "劳动节"),
        (date(2026, 5, 9), True, False, "劳动节调休上班"),
        (date(2026, 6, 19), False, True, "端午节"),
        (date(2026, 9, 20), True, False, "国庆节调休上班"),
        (date(2026, 9, 25), False, True, "中秋节"),
        (date(2026, 10, 7), False, True, "国庆节"),
        (date(2026, 10, 8), True, False, ""),
        (date(2026, 10, 10), True, False, "国庆节调休上班"),
        (date(2026, 10, 11), False, False, ""),  # an ordinary Sunday
    ],
)
def test_the_2026_arrangement(in_acme, on, working, holiday, name):
    found = day(on)
    assert (found.working, found.holiday, found.name, found.official) == (working, holiday, name, True)


def test_2027_has_every_statutory_day_and_is_marked_provisional(in_acme):
    # given: an independent computation of the statutory days (lunar dates included)
    statutory = set(holidays_package.China(years=2027, observed=False))

    # when
    ours = {row.date for row in PublicHoliday.objects.filter(date__year=2027, kind="holiday")}

    # then
    assert ours == statutory
    assert day(date(2027, 2, 5)).name == "春节" and day(date(2027, 2, 5)).official is False
    # the package's guess at bridging days (9 and 10 February) is not taken as fact
    assert day(date(2027, 2, 9)).working is True


def test_a_tenant_day_overrides_the_national_calendar(api):
    # given
    admin = api("acme", "tenant_admin")

    # when: acme works on 5 May 2026 and closes on its anniversary
    worked = admin.post("/api/v1/calendars/", {"date": "2026-05-05", "kind": "workday", "name": "值班"}, format="json")
    admin.post("/api/v1/calendars/", {"date": "2026-06-01", "kind": "holiday", "name": "司庆日"}, format="json")

    # then
    year = {row["date"]: row for row in admin.get("/api/v1/calendars/year/?year=2026").json()}
    assert year["2026-05-05"] == {"date": "2026-05-05", "working": True, "holiday": False, "name": "值班",
                                  "source": "tenant", "official": True}
    assert year["2026-06-01"]["holiday"] is True and year["2026-05-04"]["source"] == "national"

    # and deleting the override brings the national day back
    assert admin.delete(f"/api/v1/calendars/{worked.json()['id']}/").status_code == 204
    again = {row["date"]: row for row in admin.get("/api/v1/calendars/year/?year=2026").json()}
    assert again["2026-05-05"]["source"] == "national" and again["2026-05-05"]["holiday"] is True


def test_an_override_is_one_per_date_and_bad_years_are_refused(api):
    admin = api("acme", "tenant_admin")
    admin.post("/api/v1/calendars/", {"date": "2026-07-01", "kind": "holiday", "name": "x"}, format="json")
    twice = admin.post("/api/v1/calendars/", {"date": "2026-07-01", "kind": "workday", "name": "y"}, format="json")
    assert twice.status_code == 400 and "date" in twice.json()["error"]["details"]
    assert admin.get("/api/v1/calendars/year/?year=MMXXVI").status_code == 400


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 9, 30, 10, 0), True),  # an ordinary Wednesday
        (datetime(2026, 9, 30, 18, 0), False),  # closing time
        (datetime(2026, 10, 1, 10, 0), False),  # National Day: no holiday hours
        (datetime(2026, 10, 10, 10, 0), True),  # a Saturday worked for 调休: Monday's hours
        (datetime(2026, 10, 11, 10, 0), False),  # an ordinary Sunday
        (datetime(2026, 10, 8, 1, 30), False),  # 01:30 in Shanghai is the evening before in UTC
    ],
)
def test_queue_hours_follow_the_calendar(in_acme, moment, expected):
    # given
    queue = do_create_queue(actor=None, name="工作日热线",
                            hours=[{"day": d, "opens": "09:00", "closes": "18:00"} for d in range(5)])

    # then
    assert is_open(queue, moment.replace(tzinfo=SHANGHAI)) is expected


def test_holiday_hours_apply_on_holidays(in_acme):
    queue = do_create_queue(actor=None, name="节假日热线", hours=[{"day": 7, "opens": "10:00", "closes": "16:00"}])
    assert is_open(queue, datetime(2026, 10, 2, 11, 0, tzinfo=SHANGHAI)) is True
    assert is_open(queue, datetime(2026, 10, 2, 17, 0, tzinfo=SHANGHAI)) is False


def test_platform_staff_add_the_next_year_arrangement(api):
    # when: the State Council publishes a bridging day for 2027
    admin = api("platform", "platform_admin")
    created = admin.post("/api/v1/public-holidays/", {"date": "2027-02-09", "kind": "holiday", "name": "春节"},
                         format="json")

    # then
    assert created.status_code == 201 and created.json()["official"] is True
    assert api("platform", "finance").post("/api/v1/public-holidays/", {}, format="json").status_code == 403
    assert len(admin.get("/api/v1/public-holidays/?year=2026").json()["results"]) == 33 + 6  # days off, 调休
