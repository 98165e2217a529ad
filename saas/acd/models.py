"""Calls, agents' live states and the events behind every operating indicator.

The live rows (`AgentStatus`, `Call`, `Reservation`) say what is true now; the event rows
(`AgentStateEvent`, `CallEvent`) say what happened when, and are never changed afterwards.
"""

from __future__ import annotations

import hashlib

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AgentState(models.TextChoices):
    LOGGED_OUT = "logged_out", _("Logged out")
    NOT_READY = "not_ready", _("Not ready")
    READY = "ready", _("Ready")
    RINGING = "ringing", pgettext_lazy("agent state", "Ringing")
    ON_CALL = "on_call", _("On call")
    ON_HOLD = "on_hold", _("On hold")
    AFTER_CALL_WORK = "after_call_work", _("After-call work")


class AgentSession(models.Model):
    """An agent logged into a seat, from login to logout."""

    class End(models.TextChoices):
        LOGOUT = "logout", _("Logged out")
        ELSEWHERE = "elsewhere", _("Logged in elsewhere")
        SUPERVISOR = "supervisor", _("Logged out by a supervisor")

    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="sessions")
    seat = models.ForeignKey("seats.Seat", on_delete=models.PROTECT, related_name="sessions")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end = models.CharField(max_length=16, choices=End.choices, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent"], condition=Q(ended_at__isnull=True), name="one_session_per_agent"),
            models.UniqueConstraint(fields=["seat"], condition=Q(ended_at__isnull=True), name="one_session_per_seat"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}@{self.seat_id} from {self.started_at:%Y-%m-%d %H:%M}"


class AgentStatus(models.Model):
    """Where an agent is now. One row per agent, locked while it changes."""

    agent = models.OneToOneField("agents.Agent", on_delete=models.CASCADE, primary_key=True, related_name="status")
    state = models.CharField(max_length=16, choices=AgentState.choices, default=AgentState.LOGGED_OUT)
    reason = models.ForeignKey("agents.ReasonCode", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    since = models.DateTimeField()
    session = models.ForeignKey(AgentSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Longest idle counts from here: the moment the agent last became ready.
    ready_since = models.DateTimeField(null=True, blank=True)
    last_offered_at = models.DateTimeField(null=True, blank=True)
    # A supervisor's not-ready that waits for the call in hand to finish.
    pending_reason = models.ForeignKey("agents.ReasonCode", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    after_call_work_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "ready_since"], name="agent_status_ready")]

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.state}"


class AgentStateEvent(models.Model):
    """A change of an agent's state, with the time it happened (the source of every agent indicator)."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="state_events")
    state = models.CharField(max_length=16, choices=AgentState.choices)
    reason = models.ForeignKey("agents.ReasonCode", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()
    session = models.ForeignKey(AgentSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    call = models.ForeignKey("Call", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Who made it happen: the agent, a supervisor, or blank for the ACD and the gateway.
    actor = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["agent", "at"], name="agent_state_event_time"),
                   models.Index(fields=["at"], name="agent_state_event_at")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.state} at {self.at:%H:%M:%S}"


class CallStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    CALLBACK = "callback", _("Waiting for a callback")
    RINGING = "ringing", pgettext_lazy("call status", "Ringing")
    CONNECTED = "connected", _("Connected")
    ON_HOLD = "on_hold", _("On hold")
    ENDED = "ended", _("Ended")
    ABANDONED = "abandoned", _("Abandoned")
    CLOSED = "closed", _("Out of hours")
    VOICEMAIL = "voicemail", _("Voicemail")
    REFUSED = "refused", _("Refused")
    # Inbound calls that never reach a queue: turned away by the gateway with a busy tone, or
    # finished by the caller in the gateway's IVR (self-service) without asking for an agent.
    BLOCKED = "blocked", _("Busy tone")
    IVR_COMPLETED = "ivr_completed", _("Finished in the IVR")
    # Outbound calls: dialling until the called party answers (connected, then ended) or does not.
    DIALLING = "dialling", _("Dialling")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")


WAITING = (CallStatus.QUEUED, CallStatus.CALLBACK)
FINISHED = (CallStatus.ENDED, CallStatus.ABANDONED, CallStatus.CLOSED, CallStatus.VOICEMAIL, CallStatus.REFUSED,
            CallStatus.BLOCKED, CallStatus.IVR_COMPLETED, CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.FAILED)
# How an outbound call that never connected ended (the `reason` of outbound.failed is its status).
NOT_CONNECTED = (CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.FAILED)


class Call(models.Model):
    """One call: inbound from the gateway's first word of it to its end, or dialled out by an agent."""

    class Side(models.TextChoices):
        CALLER = "caller", _("Caller")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    gateway_call_id = models.CharField(max_length=64, unique=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.INBOUND)
    # The customer's number: who called in, or (outbound) who was called. `access_number` is the
    # center's number they dialled, or (outbound) the one shown to them, when the gateway says it.
    caller = models.CharField(_("caller"), max_length=32)
    caller_province = models.CharField(_("caller's province"), max_length=32, blank=True)
    access_number = models.CharField(_("access number"), max_length=32, blank=True)
    ivr_selection = models.CharField(max_length=32, blank=True)
    priority = models.SmallIntegerField(default=0)
    queue = models.ForeignKey("queues.Queue", on_delete=models.PROTECT, null=True, blank=True, related_name="calls")
    status = models.CharField(max_length=16, choices=CallStatus.choices)
    # When the call reached the center (offered to the ACD, met the busy tone, entered the IVR) or was dialled.
    offered_at = models.DateTimeField()
    # The caller's place in the queue: kept through a ring timeout, an overflow and a callback.
    queued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Who has it (or took it last); for an outbound call, who dialled it.
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="calls")
    hung_up_by = models.CharField(max_length=8, choices=Side.choices, blank=True)
    # A call overflows once: to another queue, to voicemail, or by being offered a callback.
    overflowed_at = models.DateTimeField(null=True, blank=True)
    overflowed_from = models.ForeignKey("queues.Queue", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    callback_number = models.CharField(max_length=32, blank=True)
    # The newest gateway event applied: an older one arriving late fills in history, not the live status.
    last_event_at = models.DateTimeField()

    class Meta:
        ordering = ["-offered_at"]
        indexes = [
            models.Index(fields=["status", "queue"], name="call_status_queue"),
            models.Index(fields=["caller", "offered_at"], name="call_caller_history"),
            models.Index(fields=["offered_at"], name="call_offered_at"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway_call_id} from {self.caller}"


class Reservation(models.Model):
    """A call offered to one agent: it rings, then is answered, missed or cancelled. An answered
    reservation is that agent's part of the call, with the wrap-up they recorded."""

    class Status(models.TextChoices):
        RINGING = "ringing", pgettext_lazy("reservation status", "Ringing")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")
        CONNECTED = "connected", _("Connected")
        COMPLETED = "completed", _("Completed")

    LIVE = (Status.RINGING, Status.CONNECTED)

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="reservations")
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="reservations")
    # The queue the call was in when offered: its wrap-up rules hold even after a transfer to another queue.
    queue = models.ForeignKey("queues.Queue", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RINGING)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    hold_seconds = models.PositiveIntegerField(default=0)
    held_at = models.DateTimeField(null=True, blank=True)
    wrap_up_code = models.ForeignKey("queues.WrapUpCode", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    notes = models.TextField(blank=True)
    resolved_first_contact = models.BooleanField(null=True)
    wrapped_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # The database itself refuses a second live call for an agent or a second agent for a call.
            models.UniqueConstraint(fields=["agent"], condition=Q(status__in=["ringing", "connected"]),
                                    name="one_live_call_per_agent"),
            models.UniqueConstraint(fields=["call"], condition=Q(status__in=["ringing", "connected"]),
                                    name="one_live_agent_per_call"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.agent_id} ({self.status})"


class CallEvent(models.Model):
    """What happened to a call, from the gateway (with its event id) or from the ACD (without)."""

    event_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    gateway_call_id = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=32)
    at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The type's own fields, as the gateway sent them (times such as call.ivr_completed's entered_at in ISO 8601).
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # False while the event waits for its call's offer (it arrived first).
    applied = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.gateway_call_id} {self.kind} at {self.at:%H:%M:%S}"


class GatewayIntegration(models.Model):
    """The tenant's telephony gateway: its token (digest only), and where commands go when its
    websocket is down."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    token_digest = models.CharField(max_length=64, unique=True)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
