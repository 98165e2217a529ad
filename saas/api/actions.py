"""`POST …/<id>/<verb>/` endpoints that run one `do_*` service on one object (activate, suspend…)."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


def action_view(*, action, roles, load, argument: str, output, summary: str,
                body: type[serializers.Serializer] | None = None, example: dict | None = None) -> type[APIView]:
    """An APIView whose POST loads the object named by the URL (`load(**url_kwargs)`), passes it to
    `action(actor=…, <argument>=object, **body)` and answers the result through the `output` serializer.
    `body`, when the action takes more than the object, validates the request body (400 when it does not)."""

    class ActionView(APIView):
        @extend_schema(request=body, responses=output, summary=summary,
                       examples=[OpenApiExample(summary, request_only=True, value=example)] if example else None)
        def post(self, request, **url_kwargs):
            data = {}
            if body is not None:
                checked = body(data=request.data)
                checked.is_valid(raise_exception=True)
                data = checked.validated_data
            result = action(actor=request.user, **{argument: load(**url_kwargs)}, **data)
            return Response(output(result).data)

    ActionView.roles = roles
    ActionView.__name__ = "".join(part.title() for part in action.__name__.removeprefix("do_").split("_")) + "View"
    ActionView.__qualname__ = ActionView.__name__
    return ActionView
