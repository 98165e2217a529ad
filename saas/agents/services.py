"""Agents, teams, skills and not-ready reason codes of a tenant."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saas.accounts.roles import Role
from saas.accounts.services import do_create_user
from saas.agents.models import Agent, AgentSkill, ReasonCode, Skill, Team
from saas.api.errors import Conflict
from saas.api.resources import full_clean_or_400, save_and_record, update_and_record
from saas.audit.services import record


@transaction.atomic
def do_create_skill(*, actor, **fields) -> Skill:
    return save_and_record(actor=actor, instance=Skill(**fields), action="skill.created")


@transaction.atomic
def do_update_skill(*, actor, instance: Skill, **changes) -> Skill:
    return update_and_record(actor=actor, instance=instance, changes=changes, action="skill.updated")


@transaction.atomic
def do_create_team(*, actor, **fields) -> Team:
    return save_and_record(actor=actor, instance=Team(**fields), action="team.created")


@transaction.atomic
def do_update_team(*, actor, instance: Team, **changes) -> Team:
    return update_and_record(actor=actor, instance=instance, changes=changes, action="team.updated")


@transaction.atomic
def do_create_reason_code(*, actor, **fields) -> ReasonCode:
    return save_and_record(actor=actor, instance=ReasonCode(**fields), action="reason_code.created")


@transaction.atomic
def do_update_reason_code(*, actor, instance: ReasonCode, **changes) -> ReasonCode:
    renamed = {field for field in ("code", "name", "category") if field in changes
               and changes[field] != getattr(instance, field)}
    if instance.built_in and renamed:
        # The ACD and the KPIs find built-in reasons by code ("missed" when a call rings unanswered).
        raise Conflict("reason_code_built_in", _("A built-in reason code can be deactivated but not changed."))
    return update_and_record(actor=actor, instance=instance, changes=changes, action="reason_code.updated")


@transaction.atomic
def do_create_agent(*, actor, username: str, employee_number: str, name: str, hire_date: date,
                    password: str | None = None, team: Team | None = None, default_seat=None,
                    leave_date: date | None = None, skills: list[dict] = ()) -> tuple[Agent, str | None]:
    """A user with the agent role and their agent profile. Returns the initial password too when one
    was generated here (shown once to the admin, never stored in clear)."""
    generated = None if password else secrets.token_urlsafe(9)
    agent = Agent(employee_number=employee_number, name=name, team=team, default_seat=default_seat,
                  hire_date=hire_date, leave_date=leave_date)
    full_clean_or_400(agent, exclude=["user"])
    agent.user = do_create_user(actor=actor, username=username, password=password or generated,
                                role=Role.AGENT, display_name=name)
    agent.save()
    _set_skills(agent, skills)
    _sync_login(agent)
    record(actor=actor, action="agent.created", target=agent, data={"employee_number": employee_number})
    return agent, generated


@transaction.atomic
def do_update_agent(*, actor, instance: Agent, skills: list[dict] | None = None, **changes) -> Agent:
    agent = update_and_record(actor=actor, instance=instance, changes=changes, action="agent.updated")
    if skills is not None:
        _set_skills(agent, skills)
    if "name" in changes:
        agent.user.display_name = agent.name
        agent.user.save(update_fields=["display_name"])
    _sync_login(agent)
    return agent


def _set_skills(agent: Agent, skills: list[dict]) -> None:
    agent.agent_skills.all().delete()
    rows = [AgentSkill(agent=agent, skill=item["skill"], proficiency=item["proficiency"]) for item in skills]
    for row in rows:
        full_clean_or_400(row, exclude=["agent"], validate_constraints=False)
    AgentSkill.objects.bulk_create(rows)


def _sync_login(agent: Agent) -> None:
    """An agent who has left cannot log in any more; the history (calls, turnover) stays."""
    active = agent.leave_date is None or agent.leave_date > timezone.localdate()
    if agent.user.is_active != active:
        agent.user.is_active = active
        agent.user.save(update_fields=["is_active"])
