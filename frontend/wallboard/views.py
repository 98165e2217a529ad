"""The supervisor's wallboard page. The page carries the snapshot of the moment it was asked for, so
it shows figures at once; wallboard.js then keeps them live over the websocket."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from frontend.views import role_required
from saas.acd.wallboard import ON_SHIFT, SUPERVISORS, wallboard_snapshot


@role_required(*SUPERVISORS)
def page(request):
    texts = {
        # Agents' states in the page's language, for the table and the chart.
        "states": {state.value: str(state.label) for state in ON_SHIFT},
        "confirm_force_not_ready": _("Make %(name)s not ready? An agent on a call becomes not ready when "
                                     "the call ends."),
        "confirm_force_logout": _("Log %(name)s out?"),
        "done": _("Done."),
        "offline": _("Not connected: try again in a moment."),
    }
    return render(request, "frontend/wallboard/page.html", {"snapshot": wallboard_snapshot(), "texts": texts})
