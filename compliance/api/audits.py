"""Audit runs, findings, the rule catalogue, the coverage map, and a tenant's own compliance."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import provinces, selectors, services
from compliance.api.fields import (
    COMPLIANCE_ROLES,
    TENANT_COMPLIANCE_ROLES,
    choice_parameter,
    holder_by_slug,
    holder_slug,
)
from compliance.models import (
    AuditRun,
    Finding,
    Licence,
)
from compliance.rules import RULES, Policy, Severity, policies
from saas.api.pagination import Pagination
from saas.api.resources import invalid_filter

# --- Audit runs and findings -----------------------------------------------------------------------

class AuditRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditRun
        fields = ["id", "trigger", "state", "requested_by", "requested_at", "started_at", "finished_at", "as_of",
                  "holders", "open_findings", "new_findings", "resolved_findings", "error"]


class AuditRunListView(generics.ListAPIView):
    """Audit runs, newest first: nightly ones and those started here."""

    roles = COMPLIANCE_ROLES
    serializer_class = AuditRunSerializer
    queryset = AuditRun.objects.all()

    @extend_schema(request=None, responses={202: AuditRunSerializer},
                   description="Start an audit run now: every rule over every licence holder. It runs on the worker; "
                               "poll the run (`Location`) until its state is `finished`.")
    def post(self, request):
        run = services.do_request_audit(actor=request.user)
        location = reverse("api:audit-run-detail", kwargs={"pk": run.pk})
        return Response(AuditRunSerializer(run).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class AuditRunDetailView(generics.RetrieveAPIView):
    roles = COMPLIANCE_ROLES
    serializer_class = AuditRunSerializer
    queryset = AuditRun.objects.all()


class FindingSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule_id")
    rule_title = serializers.SerializerMethodField()
    holder = serializers.SerializerMethodField()
    licence_number = serializers.CharField(source="licence.number", allow_null=True, default=None)
    message = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "rule", "rule_title", "severity", "subject", "holder", "licence", "licence_number",
                  "provinces", "message", "first_seen", "last_seen", "resolved_at"]
        read_only_fields = fields

    def get_rule_title(self, finding) -> str:
        spec = RULES.get(finding.rule_id)
        return str(spec.title) if spec else finding.rule_id

    def get_holder(self, finding) -> str:
        return holder_slug(finding.holder)

    def get_message(self, finding) -> str:
        return selectors.finding_message(finding)


def _pk_filter(request, name: str, model):
    raw = request.query_params.get(name)
    if raw is None:
        return None
    row = model.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if row is None:
        raise invalid_filter(name, raw)
    return row


def _one_of(request, name: str, allowed, default: str = "") -> str:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw not in allowed:
        raise invalid_filter(name, raw)
    return raw


FINDING_STATES = (selectors.FindingState.OPEN, selectors.FindingState.RESOLVED, selectors.FindingState.ALL)


@extend_schema_view(get=extend_schema(parameters=[
    OpenApiParameter("state", str, enum=list(FINDING_STATES), description="open (the default), resolved or all"),
    OpenApiParameter("rule", str, description="A rule id, e.g. TOP-02"),
    choice_parameter("severity", Severity.choices),
    OpenApiParameter("holder", str, description='A tenant\'s slug, or "platform".'),
    OpenApiParameter("licence", int), OpenApiParameter("province", str, description="GB/T 2260 code"),
    OpenApiParameter("run", int, description="Only what this audit run opened or resolved (with state=all; "
                                          "the default state=open leaves out what it resolved)."),
]))
class FindingListView(generics.ListAPIView):
    """What the audits found, newest first, each message in the request's language."""

    roles = COMPLIANCE_ROLES
    serializer_class = FindingSerializer

    def get_queryset(self):
        request = self.request
        holder = None
        if (raw := request.query_params.get("holder")) is not None:
            holder = holder_by_slug(raw)
            if holder is None:
                raise invalid_filter("holder", raw)
        return selectors.finding_list(
            state=_one_of(request, "state", FINDING_STATES, default=selectors.FindingState.OPEN),
            rule=_one_of(request, "rule", RULES), severity=_one_of(request, "severity", Severity.values),
            holder=holder, licence=_pk_filter(request, "licence", Licence),
            province=_one_of(request, "province", provinces.codes()), run=_pk_filter(request, "run", AuditRun),
        )


# --- The rule catalogue ----------------------------------------------------------------------------

class RuleSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    policy = serializers.ChoiceField(choices=Policy.choices, help_text="The policy in force.")
    default_policy = serializers.ChoiceField(choices=Policy.choices)
    configurable = serializers.BooleanField(help_text="On uncertain legal ground: a compliance officer sets its "
                                                      "policy (on, warn, off).")
    audited = serializers.BooleanField(help_text="Checked by audits; false for a rule that only refuses actions.")
    enforced_at = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField()


class RulePolicyInput(serializers.Serializer):
    policy = serializers.ChoiceField(choices=Policy.choices)


def _rule_row(spec, in_force: dict[str, str]) -> dict:
    return {"id": spec.id, "title": str(spec.title), "severity": spec.severity, "policy": in_force[spec.id],
            "default_policy": spec.default_policy, "configurable": spec.uncertain, "audited": spec.check is not None,
            "enforced_at": list(spec.enforced_at), "source": spec.source}


def _rule_or_404(rule_id: str):
    spec = RULES.get(rule_id)
    if spec is None:
        raise NotFound()
    return spec


class RuleListView(APIView):
    """The rule catalogue, with the policy in force for each."""

    roles = COMPLIANCE_ROLES

    @extend_schema(responses=RuleSerializer(many=True))
    def get(self, request):
        in_force = policies()
        paginator = Pagination()
        page = paginator.paginate_queryset([_rule_row(spec, in_force) for spec in RULES.values()], request, self)
        return paginator.get_paginated_response(RuleSerializer(page, many=True).data)


class RuleDetailView(APIView):
    roles = COMPLIANCE_ROLES

    @extend_schema(responses=RuleSerializer)
    def get(self, request, rule_id):
        return Response(RuleSerializer(_rule_row(_rule_or_404(rule_id), policies())).data)

    @extend_schema(request=RulePolicyInput, responses=RuleSerializer,
                   description="Set the policy of a rule on uncertain legal ground; any other rule is 409 "
                               "`rule_not_configurable`.",
                   examples=[OpenApiExample("warn only", request_only=True, value={"policy": "warn"})])
    def patch(self, request, rule_id):
        spec = _rule_or_404(rule_id)
        data = RulePolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.do_set_rule_policy(actor=request.user, rule_id=spec.id, policy=data.validated_data["policy"])
        return Response(RuleSerializer(_rule_row(spec, policies())).data)


# --- The coverage map ------------------------------------------------------------------------------

class MapProvinceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    covered = serializers.BooleanField()
    violations = serializers.IntegerField()
    warnings = serializers.IntegerField()
    sites = serializers.ListField(child=serializers.CharField())
    state = serializers.IntegerField(help_text="0 not covered, 1 covered, 2 open warnings, 3 open violations.")


class CoverageMapView(APIView):
    """One licence on the map: every mainland province, covered or not, with its open findings and sites."""

    roles = COMPLIANCE_ROLES

    @extend_schema(responses=inline_serializer("CoverageMap", {
        "licence": serializers.IntegerField(), "number": serializers.CharField(),
        "topology": serializers.CharField(), "provinces": MapProvinceSerializer(many=True)}))
    def get(self, request, pk):
        licence = get_object_or_404(Licence, pk=pk)
        return Response({"licence": licence.pk, "number": licence.number, "topology": licence.topology,
                         "provinces": MapProvinceSerializer(selectors.coverage_map(licence), many=True).data})


# --- A tenant's own compliance (tenant host) -------------------------------------------------------

class TenantLicenceSerializer(serializers.ModelSerializer):
    topology_label = serializers.CharField(source="get_topology_display", read_only=True)
    own = serializers.SerializerMethodField(help_text="Held by this client enterprise (else the platform's).")

    class Meta:
        model = Licence
        fields = ["number", "own", "scope", "issuer", "topology", "topology_label", "coverage", "valid_from",
                  "valid_until", "outbound_commitment_on"]

    def get_own(self, licence) -> bool:
        return licence.holder_id == self.context["tenant"].pk


class TenantFindingSerializer(FindingSerializer):
    class Meta(FindingSerializer.Meta):
        fields = ["id", "rule", "rule_title", "severity", "subject", "licence_number", "provinces", "message",
                  "first_seen", "last_seen"]
        read_only_fields = fields


class LastRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditRun
        fields = ["id", "finished_at", "as_of"]


class TenantComplianceSerializer(serializers.Serializer):
    own_licence = serializers.BooleanField()
    licences = TenantLicenceSerializer(many=True)
    violations = serializers.IntegerField()
    warnings = serializers.IntegerField()
    last_run = LastRunSerializer(allow_null=True)
    findings = TenantFindingSerializer(many=True)


class TenantComplianceView(APIView):
    """This client enterprise's compliance: the licences it runs under, and its own open findings from the
    platform's audits."""

    roles = TENANT_COMPLIANCE_ROLES

    @extend_schema(responses=TenantComplianceSerializer)
    def get(self, request):
        tenant = request.tenant
        return Response(TenantComplianceSerializer(selectors.tenant_compliance(tenant),
                                                   context={"tenant": tenant}).data)
