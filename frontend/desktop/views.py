"""The agent desktop page. It carries the agent's snapshot of the moment, so it shows the truth at
once; desktop.js then keeps it live over the websocket (saas.acd.consumers.desktop) and sends the
agent's actions there."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from frontend.views import role_required
from saas.accounts.roles import Role
from saas.acd.models import AgentState, CallStatus
from saas.acd.selectors import agent_snapshot
from saas.agents.models import Agent
from saas.api.errors import error_response
from saas.queues.models import Queue


@role_required(Role.AGENT)
def page(request):
    agent = Agent.objects.select_related("default_seat").filter(user=request.user).first()
    if agent is None:
        return error_response(request, code="no_agent_profile", status_code=403,
                              message=_("Your user has no agent profile yet. Ask your client administrator."))
    texts = {
        # Codes from the websocket, in the page's language.
        "states": {state.value: str(state.label) for state in AgentState},
        "call_statuses": {status.value: str(status.label) for status in CallStatus},
        "session_ended": {
            "elsewhere": _("You logged in on another desktop. This one has stopped."),
            "supervisor": _("A supervisor logged you out."),
            "logout": _("You were logged out."),
        },
        "signed_out": _("You are no longer signed in here. Reload the page to sign in again."),
        "wrap_up_save": _("Save wrap-up"),
        "wrap_up_done": _("Done, next call"),
        "time_is_up": _("Time is up"),
        "choose": _("— choose —"),
        "ringing_title": _("Incoming call"),
        "resolved": _("Resolved"),
    }
    return render(request, "frontend/desktop/page.html", {
        "agent": agent,
        "snapshot": agent_snapshot(agent),
        "texts": texts,
        "queues": Queue.objects.filter(active=True).values_list("name", flat=True),
    })
