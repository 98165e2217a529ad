"""A queue's overflow: after its maximum wait, or when it already holds its maximum of callers."""

from __future__ import annotations

from datetime import datetime

from saas.acd import gateway, notify
from saas.acd.changes import call_event
from saas.acd.models import Call, CallStatus
from saas.queues.models import Queue


def overflow(call: Call, *, at: datetime) -> None:
    """Apply the queue's overflow action once per call (a chain of overflows could loop)."""
    queue = call.queue
    if call.overflowed_at or queue.overflow_action == Queue.Overflow.NONE:
        return
    call.overflowed_at = at
    call.overflowed_from = queue
    if queue.overflow_action == Queue.Overflow.QUEUE:
        call.queue = queue.overflow_queue
        gateway.command("queue", call_id=call.gateway_call_id, queue=call.queue.name)
    elif queue.overflow_action == Queue.Overflow.VOICEMAIL:
        call.status = CallStatus.VOICEMAIL
        call.ended_at = at
        gateway.command("voicemail", call_id=call.gateway_call_id)
    else:
        # The caller keeps waiting unless they accept; accepting keeps their place (call.callback_requested).
        gateway.command("offer_callback", call_id=call.gateway_call_id)
    call.save(update_fields=["overflowed_at", "overflowed_from", "queue", "status", "ended_at"])
    call_event(call, "overflowed", at=at, action=queue.overflow_action, queue=queue.name)
    notify.queue_changed()
