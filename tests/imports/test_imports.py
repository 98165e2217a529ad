"""Bulk import of seats and agents: a dry run that names every bad row, an import of all rows or none."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook

from billing.models import SeatLedgerEntry
from saas.agents.models import Agent
from saas.seats.models import Seat
from tenants.models import Client

SEAT_HEADER = "编码,名称,类型,分机号,系统平台,启用"


def _csv(lines: list[str], encoding="utf-8") -> bytes:
    return "\n".join(lines).encode(encoding)


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _upload(api, kind, content, name="file.csv", dry_run=False):
    return api("acme", "tenant_admin").post(
        f"/api/v1/imports/{kind}/", {"file": SimpleUploadedFile(name, content), "dry_run": dry_run},
        format="multipart")


def _seats(*codes):
    with schema_context(Client.objects.get(slug="acme").schema_name):
        return set(Seat.objects.filter(code__in=codes).values_list("code", flat=True))


def test_a_clean_seat_file_is_stored_with_its_ledger(api):
    # when
    rows = ["B001,二组1号,托管,8101,,是", "B002,二组2号,hosted,8102,北京平台,否", "B003,二组3号,托管座席,8103,,"]
    response = _upload(api, "seats", _csv([SEAT_HEADER, *rows]))

    # then
    assert response.status_code == 200, response.content
    assert response.json() | {"errors": None} == {"kind": "seats", "dry_run": False, "rows": 3, "stored": 3,
                                                  "errors": None, "passwords": []}
    assert _seats("B001", "B002", "B003") == {"B001", "B002", "B003"}
    ledger = SeatLedgerEntry.objects.filter(seat_code__startswith="B").values_list("seat_code", flat=True)
    assert list(ledger) == ["B001"]


def test_a_dry_run_checks_every_row_and_stores_nothing(api):
    response = _upload(api, "seats", _csv([SEAT_HEADER, "B001,二组1号,托管,8101,,是"]), dry_run=True)
    assert response.status_code == 200 and response.json()["dry_run"] is True and response.json()["stored"] == 0
    assert _seats("B001") == set()


def test_one_bad_row_rejects_the_file_and_every_bad_row_is_named(api):
    # when
    response = _upload(api, "seats", _csv([
        SEAT_HEADER,
        "B001,二组1号,托管,8101,,是",
        "B002,二组2号,租用,8102,,是",  # row 3: unknown kind
        "B003,二组3号,托管,12,,是",  # row 4: extension too short
        "B001,重复,托管,8104,,否",  # row 5: code already in row 2
        "A001,演示,托管,8105,,否",  # row 6: code of a demo seat
    ]))

    # then
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "import_rejected"
    assert [(row["row"], next(iter(row["details"]))) for row in error["details"]["errors"]] == [
        (3, "kind"), (4, "extension"), (5, "code"), (6, "code")]
    assert _seats("B001", "B003") == set()
    assert not SeatLedgerEntry.objects.filter(seat_code="B001").exists()


def test_the_subscription_caps_an_import_too(api):
    # given: acme has 12 of 20 hosted seats active; the file activates 9 more
    lines = [SEAT_HEADER, *(f"C{n:03d},批量,托管,82{n:02d},,是" for n in range(1, 10))]

    # when
    response = _upload(api, "seats", _csv(lines))

    # then: the ninth row is over the cap, so nothing is stored
    errors = response.json()["error"]["details"]["errors"]
    assert [(row["row"], row["code"]) for row in errors] == [(10, "seat_limit_reached")]
    assert _seats(*(f"C{n:03d}" for n in range(1, 10))) == set()


def test_a_gbk_csv_from_chinese_excel_is_read(api):
    response = _upload(api, "seats", _csv([SEAT_HEADER, "B010,客服组座席,托管,8110,,否"], encoding="gbk"))
    assert response.status_code == 200 and _seats("B010") == {"B010"}


def test_agents_from_xlsx_get_skills_teams_and_generated_passwords(api):
    # when
    response = _upload(api, "agents", _xlsx([
        ["用户名", "工号", "姓名", "班组", "入职日期", "技能", "初始密码"],
        ["lisi", "E3001", "李四", "客服一组", "2026-03-01", "普通话:4；售后服务：3", ""],
        ["wangwu", "E3002", "王五", "", "2026/04/01", "", "a-long-password"],
    ]), name="agents.xlsx")

    # then
    body = response.json()
    assert response.status_code == 200, body
    assert [entry["username"] for entry in body["passwords"]] == ["lisi"]
    with schema_context(Client.objects.get(slug="acme").schema_name):
        lisi = Agent.objects.get(employee_number="E3001")
        assert lisi.team.name == "客服一组"
        levels = sorted((level.skill.name, level.proficiency) for level in lisi.agent_skills.all())
        assert levels == [("售后服务", 3), ("普通话", 4)]
    login = api("acme").post("/api/v1/auth/token/", {"username": "lisi", "password": body["passwords"][0]["password"]},
                             format="json")
    assert login.status_code == 201


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["zhao", "E3003", "赵", "不存在的组", "2026-03-01", ""], "team"),
        (["zhao", "E3003", "赵", "", "March 1st", ""], "hire_date"),
        (["zhao", "E3003", "赵", "", "", ""], "hire_date"),
        (["zhao", "E3003", "赵", "", "2026-03-01", "普通话=4"], "skills"),
        (["acme-admin", "E3003", "赵", "", "2026-03-01", ""], "username"),
    ],
)
def test_bad_agent_rows_say_which_column(api, row, column):
    header = ["用户名", "工号", "姓名", "班组", "入职日期", "技能"]
    response = _upload(api, "agents", _xlsx([header, row]), name="a.xlsx")
    error = response.json()["error"]["details"]["errors"][0]
    assert error["row"] == 2 and column in error["details"]


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (_csv(["编码,颜色", "X1,红"]), "x.csv", "unknown_columns"),
        (b"", "x.csv", "invalid"),  # refused as an empty upload before it is read
        (b"\xef\xbb\xbf", "x.csv", "file_empty"),  # only the BOM Excel writes
        (b"not a workbook", "x.xlsx", "file_unreadable"),
    ],
)
def test_unreadable_files_are_refused_clearly(api, content, name, code):
    response = _upload(api, "seats", content, name=name)
    assert response.status_code == 400 and response.json()["error"]["code"] == code


@pytest.mark.parametrize("kind", ["seats", "agents"])
def test_the_template_imports_as_it_is(api, kind):
    # given
    template = api("acme", "tenant_admin").get(f"/api/v1/imports/{kind}/template/")
    header = [cell.value for cell in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())]

    # when
    response = _upload(api, kind, template.content, name="template.xlsx")

    # then
    assert "编码" in header or "用户名" in header
    assert response.status_code == 200 and response.json()["stored"] == 1, response.content


def test_only_the_client_admin_imports(api):
    assert api("acme", "supervisor").post("/api/v1/imports/seats/", {}, format="multipart").status_code == 403
    assert api("acme", "tenant_admin").post("/api/v1/imports/queues/", {}, format="multipart").status_code == 404
