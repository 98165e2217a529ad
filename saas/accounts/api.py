from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.accounts.services import do_create_user, do_issue_token, login_check
from saas.api.pagination import Pagination
from saas.api.permissions import PUBLIC, Roles


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    username = serializers.CharField()
    role = serializers.CharField()


class TokenView(APIView):
    """Exchange a username and password for a bearer token, valid on this host only."""

    roles = PUBLIC
    authentication_classes = []

    @extend_schema(
        request=TokenInput,
        responses={201: TokenOutput},
        examples=[OpenApiExample("acme admin", value={"username": "acme-admin", "password": "…"}, request_only=True)],
    )
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = login_check(**data.validated_data, address=request.META.get("REMOTE_ADDR", ""))
        token, key = do_issue_token(user=user)
        body = {"token": key, "expires_at": token.expires_at, "username": user.username, "role": user.role}
        return Response(TokenOutput(body).data, status=status.HTTP_201_CREATED)


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    tenant = serializers.SerializerMethodField()

    def get_tenant(self, user) -> str:
        return self.context["request"].tenant.slug


class MeView(APIView):
    """The caller: who they are, their role, and the tenant of this host."""

    roles = Roles(read=set(Role))

    @extend_schema(responses=MeOutput)
    def get(self, request):
        return Response(MeOutput(request.user, context={"request": request}).data)


class UserInput(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    password = serializers.CharField(min_length=10, max_length=128, write_only=True)
    role = serializers.ChoiceField(choices=Role.choices)
    display_name = serializers.CharField(max_length=100, required=False, default="")
    email = serializers.EmailField(required=False, default="")


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "role", "is_active", "date_joined"]


class UserListView(APIView):
    """The people who log in on this host: platform staff on the platform, the client's users on its host."""

    roles = Roles(read={Role.PLATFORM_ADMIN, Role.TENANT_ADMIN, Role.SUPERVISOR},
                  write={Role.PLATFORM_ADMIN, Role.TENANT_ADMIN})

    @extend_schema(responses=UserOutput(many=True))
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(User.objects.order_by("username"), request, self)
        return paginator.get_paginated_response(UserOutput(page, many=True).data)

    @extend_schema(
        request=UserInput,
        responses={201: UserOutput},
        examples=[OpenApiExample("an agent", request_only=True, value={
            "username": "agent007", "password": "a-long-secret", "role": "agent", "display_name": "座席员 王芳"})],
    )
    def post(self, request):
        data = UserInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = do_create_user(actor=request.user, **data.validated_data)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)
