from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.agents import services
from saas.agents.models import Agent, AgentSkill, ReasonCode, Skill, Team
from saas.api.permissions import Roles
from saas.api.resources import resource_views
from saas.seats.models import Seat

ADMIN_WRITES = Roles(read={Role.SUPERVISOR}, write={Role.TENANT_ADMIN})


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name", "description", "active"]
        extra_kwargs = {"name": {"validators": []}}


class TeamSerializer(serializers.ModelSerializer):
    leader = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    leader_name = serializers.CharField(source="leader.display_name", read_only=True, default=None)

    class Meta:
        model = Team
        fields = ["id", "name", "leader", "leader_name", "active"]
        extra_kwargs = {"name": {"validators": []}}


class ReasonCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReasonCode
        fields = ["id", "code", "name", "category", "built_in", "active"]
        read_only_fields = ["built_in"]
        extra_kwargs = {"code": {"validators": []}}


class AgentSkillSerializer(serializers.ModelSerializer):
    skill = serializers.PrimaryKeyRelatedField(queryset=Skill.objects.filter(active=True))
    skill_name = serializers.CharField(source="skill.name", read_only=True)

    class Meta:
        model = AgentSkill
        fields = ["skill", "skill_name", "proficiency"]


class AgentSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", max_length=150)
    password = serializers.CharField(write_only=True, required=False, min_length=10, max_length=128,
                                     help_text="Initial password; generated and returned once when omitted.")
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.filter(active=True), required=False,
                                              allow_null=True)
    default_seat = serializers.PrimaryKeyRelatedField(
        queryset=Seat.objects.all(), required=False, allow_null=True, help_text="Empty for free seating."
    )
    skills = AgentSkillSerializer(source="agent_skills", many=True, required=False)
    active = serializers.BooleanField(source="user.is_active", read_only=True)
    initial_password = serializers.SerializerMethodField()

    class Meta:
        model = Agent
        fields = ["id", "username", "password", "employee_number", "name", "team", "default_seat", "hire_date",
                  "leave_date", "skills", "active", "initial_password"]
        extra_kwargs = {"employee_number": {"validators": []}}

    def get_initial_password(self, agent) -> str | None:
        return getattr(agent, "initial_password", None)

    def validate(self, data):
        if self.instance is not None and "user" in data:
            raise serializers.ValidationError({"username": "The username cannot be changed."})
        return data


def _create_agent(*, actor, user=None, agent_skills=(), **fields):
    agent, generated = services.do_create_agent(actor=actor, username=(user or {})["username"],
                                                skills=agent_skills, **fields)
    agent.initial_password = generated
    return agent


def _update_agent(*, actor, instance, agent_skills=None, **changes):
    return services.do_update_agent(actor=actor, instance=instance, skills=agent_skills, **changes)


def _agents_visible_to(request):
    agents = Agent.objects.select_related("user", "team").prefetch_related("agent_skills__skill")
    # An agent sees their own profile only.
    return agents.filter(user=request.user) if request.user.role == Role.AGENT else agents


SkillListView, SkillDetailView = resource_views(
    name="Skill", serializer=SkillSerializer, roles=ADMIN_WRITES, queryset=lambda request: Skill.objects.all(),
    create=services.do_create_skill, update=services.do_update_skill, filters=("active",),
)
TeamListView, TeamDetailView = resource_views(
    name="Team", serializer=TeamSerializer, roles=ADMIN_WRITES,
    queryset=lambda request: Team.objects.select_related("leader"),
    create=services.do_create_team, update=services.do_update_team, filters=("active",),
)
ReasonCodeListView, ReasonCodeDetailView = resource_views(
    name="ReasonCode", serializer=ReasonCodeSerializer,
    # Agents read them: they pick one when going not ready.
    roles=Roles(read={Role.SUPERVISOR, Role.AGENT}, write={Role.TENANT_ADMIN}),
    queryset=lambda request: ReasonCode.objects.all(),
    create=services.do_create_reason_code, update=services.do_update_reason_code, filters=("active", "category"),
)
AgentListView, AgentDetailView = resource_views(
    name="Agent", serializer=AgentSerializer,
    roles=Roles(read={Role.SUPERVISOR, Role.AGENT}, write={Role.TENANT_ADMIN}),
    queryset=_agents_visible_to, create=_create_agent, update=_update_agent, filters=("team",),
)
AgentListView = extend_schema_view(post=extend_schema(examples=[OpenApiExample(
    "an agent with two skills", request_only=True,
    value={"username": "zhangwei", "employee_number": "E1001", "name": "张伟", "team": 1, "hire_date": "2026-03-01",
           "skills": [{"skill": 1, "proficiency": 4}, {"skill": 2, "proficiency": 2}]},
)]))(AgentListView)
