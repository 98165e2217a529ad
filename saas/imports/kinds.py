"""What can be imported, the headers each accepts (English or Chinese), and how a row becomes a call
to the same service the API uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from billing.models import SeatMode
from compliance.models import PlatformSite
from saas.agents.models import Skill, Team
from saas.agents.services import do_create_agent
from saas.api.errors import DomainError
from saas.seats.models import Seat
from saas.seats.services import do_create_seat

TRUE = {"1", "yes", "y", "true", "是", "启用", "√"}
FALSE = {"", "0", "no", "n", "false", "否", "停用"}


def _invalid(column: str, message) -> DomainError:
    return DomainError("invalid", _("Some fields are not valid."), details={column: [str(message)]})


def _flag(row: dict, column: str) -> bool:
    value = row.get(column, "").strip().lower()
    if value in TRUE | FALSE:
        return value in TRUE
    raise _invalid(column, _("Write yes or no (是 or 否)."))


def _date(row: dict, column: str) -> date | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise _invalid(column, _("Write dates as 2026-03-01.")) from None


def _one(model, column: str, row: dict, **lookup):
    """The row of `model` named in `column`, or None when the cell is empty."""
    if not row.get(column):
        return None
    found = model.objects.filter(**lookup).first()
    if found is None:
        raise _invalid(column, _("“%(value)s” does not exist.") % {"value": row[column]})
    return found


SEAT_KINDS = {
    "hosted": SeatMode.HOSTED, "托管": SeatMode.HOSTED, "托管座席": SeatMode.HOSTED,
    "outsourced": SeatMode.OUTSOURCED, "外包": SeatMode.OUTSOURCED, "外包座席": SeatMode.OUTSOURCED,
}


def _kind(row: dict) -> str:
    kind = SEAT_KINDS.get(row.get("kind", "").strip().lower())
    if kind is None:
        raise _invalid("kind", _("Write hosted or outsourced (托管 or 外包)."))
    return kind


def _skills(row: dict) -> list[dict]:
    """`普通话:4;售后服务:3` (； and ： too) into the service's skill list."""
    skills = []
    text = row.get("skills", "").replace("；", ";").replace("：", ":")
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, _colon, level = item.partition(":")
        skill = Skill.objects.filter(name=name.strip(), active=True).first()
        if skill is None or not level.strip().isdigit():
            raise _invalid("skills", _("Write skills as 普通话:4;售后服务:3 with existing skill names."))
        skills.append({"skill": skill, "proficiency": int(level)})
    return skills


def _store_seat(actor, row: dict) -> None:
    do_create_seat(
        actor=actor, code=row.get("code", ""), name=row.get("name", ""), kind=_kind(row),
        extension=row.get("extension", ""), active=_flag(row, "active"),
        site=_one(PlatformSite, "site", row, name=row.get("site"), state=PlatformSite.State.ACTIVE),
    )


def _store_agent(actor, row: dict):
    hire_date = _date(row, "hire_date")
    if hire_date is None:
        raise _invalid("hire_date", _("The hire date is required."))
    agent, generated = do_create_agent(
        actor=actor, username=row.get("username", ""), employee_number=row.get("employee_number", ""),
        name=row.get("name", ""), hire_date=hire_date, leave_date=_date(row, "leave_date"),
        team=_one(Team, "team", row, name=row.get("team")),
        default_seat=_one(Seat, "default_seat", row, code=row.get("default_seat")),
        skills=_skills(row), password=row.get("password") or None,
    )
    return {"username": agent.user.username, "password": generated} if generated else None


@dataclass(frozen=True)
class ImportKind:
    name: str
    headers: dict[str, str]  # canonical column → its Chinese header; the English one is the key itself
    store: Callable  # (actor, row) -> a generated password to show, or None
    example: dict[str, str]

    @property
    def accepted(self) -> dict[str, str]:
        """Every header a file may use, lower-cased, to the canonical column."""
        return {**{key: key for key in self.headers}, **{zh.lower(): key for key, zh in self.headers.items()}}


KINDS = {
    "seats": ImportKind(
        name="seats",
        headers={"code": "编码", "name": "名称", "kind": "类型", "extension": "分机号", "site": "系统平台",
                 "active": "启用"},
        store=_store_seat,
        example={"code": "B001", "name": "二组 1 号座席", "kind": "托管", "extension": "8101", "site": "",
                 "active": "是"},
    ),
    "agents": ImportKind(
        name="agents",
        headers={"username": "用户名", "employee_number": "工号", "name": "姓名", "team": "班组",
                 "default_seat": "默认座席", "hire_date": "入职日期", "leave_date": "离职日期", "skills": "技能",
                 "password": "初始密码"},
        store=_store_agent,
        example={"username": "lisi", "employee_number": "E2001", "name": "李四", "team": "客服一组",
                 "default_seat": "", "hire_date": "2026-03-01", "leave_date": "", "skills": "普通话:4;售后服务:3",
                 "password": ""},
    ),
}
