"""Supervision API: the wallboard as its websocket sends it, and a supervisor's actions on an agent."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from saas.acd.models import AgentState, AgentStatus
from saas.acd.services import do_force_logout, do_force_not_ready
from saas.acd.wallboard import SUPERVISORS, wallboard_snapshot
from saas.agents.models import Agent
from saas.api.actions import action_view
from saas.api.permissions import Roles

SUPERVISION_ROLES = Roles(write=SUPERVISORS)


class QueueFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    waiting = serializers.IntegerField(help_text="Calls waiting, for an agent or for a callback.")
    longest_wait_seconds = serializers.IntegerField(help_text="How long the oldest waiting call has waited; 0 if none.")
    agents = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="Logged-in agents with every skill the queue requires, per state.")
    offered_today = serializers.IntegerField()
    answered_today = serializers.IntegerField()
    abandoned_today = serializers.IntegerField()
    service_level_today = serializers.FloatField(
        allow_null=True, help_text="Answered within the queue's time, over offered less short abandons (0–1); "
                                   "null when nothing counts yet.")
    asa_seconds = serializers.FloatField(allow_null=True, help_text="Average speed of answer today; null if none.")
    service_level_target = serializers.FloatField(help_text="The queue's service level target (0–1).")


class AgentRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee_number = serializers.CharField()
    name = serializers.CharField()
    team = serializers.CharField(allow_null=True)
    state = serializers.ChoiceField(choices=AgentState.choices)
    reason = serializers.CharField(allow_null=True, help_text="The not-ready reason's name.")
    since = serializers.DateTimeField()
    seconds_in_state = serializers.IntegerField()
    call_id = serializers.CharField(allow_null=True, help_text="The gateway's id of the call in hand.")
    queue = serializers.CharField(allow_null=True, help_text="The queue of the call in hand.")


class WallboardSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    queues = QueueFiguresSerializer(many=True)
    agents = AgentRowSerializer(many=True, help_text="Every logged-in agent.")


class WallboardView(APIView):
    """Live figures of today (Asia/Shanghai) per active queue, and every logged-in agent. The websocket
    `/ws/supervisor/wallboard/` pushes the same snapshot as things change."""

    roles = SUPERVISION_ROLES

    @extend_schema(responses=WallboardSerializer, summary="The wallboard now")
    def get(self, request):
        return Response(wallboard_snapshot())


class AgentStatusSerializer(serializers.ModelSerializer):
    agent = serializers.IntegerField(source="agent_id")
    reason = serializers.CharField(source="reason.name", default=None)
    pending_not_ready = serializers.SerializerMethodField(
        help_text="Not ready asked for during a call: it applies when the call is over.")

    class Meta:
        model = AgentStatus
        fields = ["agent", "state", "reason", "since", "pending_not_ready"]

    def get_pending_not_ready(self, status) -> bool:
        return status.pending_reason_id is not None


def _agent_action(action, summary: str):
    return action_view(action=action, roles=SUPERVISION_ROLES, load=lambda pk: generics.get_object_or_404(Agent, pk=pk),
                       argument="agent", output=AgentStatusSerializer, summary=summary)


ForceNotReadyView = _agent_action(do_force_not_ready, "Make the agent not ready (after the call in hand, if any)")
ForceLogoutView = _agent_action(do_force_logout, "Log the agent out (not during a call)")
