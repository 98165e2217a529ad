"""`POST …/<id>/<verb>/` endpoints that run one `do_*` service on one object (activate, suspend…)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView


def action_view(*, action, roles, load, argument: str, output, summary: str) -> type[APIView]:
    """An APIView whose POST loads the object named by the URL (`load(**url_kwargs)`), passes it to
    `action(actor=…, <argument>=object)` and answers the result through the `output` serializer."""

    class ActionView(APIView):
        @extend_schema(request=None, responses=output, summary=summary)
        def post(self, request, **url_kwargs):
            result = action(actor=request.user, **{argument: load(**url_kwargs)})
            return Response(output(result).data)

    ActionView.roles = roles
    ActionView.__name__ = "".join(part.title() for part in action.__name__.removeprefix("do_").split("_")) + "View"
    ActionView.__qualname__ = ActionView.__name__
    return ActionView
