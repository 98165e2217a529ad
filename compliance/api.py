"""The compliance API on the platform host: the licence registry (licences, platform sites, responsible
entities, number resources), topology change requests, audit runs, findings, the rule catalogue and
the coverage map. Compliance officers write; platform administrators read.

On a tenant host, `GET /api/v1/compliance/` shows the client admin its own compliance status.

Every write goes through a `compliance.services` action, which refuses (409, the rule's id as the
code) what would create a violation, and stores nothing then.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import provinces, selectors, services
from compliance.models import (
    AnnualReport,
    AuditRun,
    Finding,
    Licence,
    NumberResource,
    PlatformSite,
    ResponsibleEntity,
    TopologyChange,
)
from compliance.rules import RULES, Policy, Severity, policies
from compliance.rules.licence import issuer_name
from saas.accounts.roles import Role
from saas.api.actions import action_view
from saas.api.pagination import Pagination
from saas.api.permissions import Roles
from saas.api.resources import invalid_filter, resource_views
from tenants.models import Client

COMPLIANCE_ROLES = Roles(read={Role.PLATFORM_ADMIN}, write={Role.COMPLIANCE_OFFICER})
TENANT_COMPLIANCE_ROLES = Roles(read={Role.TENANT_ADMIN, Role.SUPERVISOR})

# How the API names the platform operator as a licence or number holder (its row's schema is public).
PLATFORM = "platform"


# --- Fields shared by the resources ------------------------------------------------------------------

def holder_by_slug(slug: str) -> Client | None:
    """The platform operator for "platform", else the live (not archived) tenant with this slug."""
    public = get_public_schema_name()
    if slug == PLATFORM:
        return Client.objects.filter(schema_name=public).first()
    return Client.objects.exclude(schema_name=public).exclude(status=Client.Status.ARCHIVED).filter(slug=slug).first()


def holder_slug(client: Client | None) -> str | None:
    if client is None:
        return None
    return PLATFORM if client.is_platform else client.slug


@extend_schema_field(OpenApiTypes.STR)
class HolderField(serializers.Field):
    """A licence or number holder by its tenant slug; "platform" is the platform operator."""

    default_error_messages = {
        "does_not_exist": _('No client enterprise "%(value)s"; give a tenant\'s slug, or "platform" for the '
                            "platform operator."),
    }

    def to_internal_value(self, data):
        client = holder_by_slug(str(data))
        if client is None:
            raise serializers.ValidationError(self.error_messages["does_not_exist"] % {"value": data})
        return client

    def to_representation(self, client):
        return holder_slug(client)


PROVINCE_CHOICES = [(code, provinces.name(code)) for code in provinces.codes()]


def province_field(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=PROVINCE_CHOICES, **kwargs)


class ProvinceListField(serializers.ListField):
    """GB/T 2260 province codes, stored sorted and without repeats."""

    def __init__(self, **kwargs):
        super().__init__(child=province_field(), **kwargs)

    def to_internal_value(self, data):
        return sorted(set(super().to_internal_value(data)))


def issuer_field(**kwargs) -> serializers.ChoiceField:
    choices = [("MIIT", issuer_name("MIIT")), *((code, issuer_name(code)) for code in provinces.codes())]
    return serializers.ChoiceField(choices=choices, help_text='"MIIT", or the GB/T 2260 code of the issuing '
                                                              "province's communications administration.", **kwargs)


def _unchanged(serializer, data: dict, names: tuple[str, ...], message) -> None:
    """On an update, refuse a change of these fields (giving the same value again is fine)."""
    instance = serializer.instance
    if instance is None:
        return
    changed = {name: [message] for name in names if name in data and data[name] != getattr(instance, name)}
    if changed:
        raise serializers.ValidationError(changed)


def _check_choices(model, request, names: tuple[str, ...]) -> None:
    """`?field=value` on a field with choices: a value that is not one of them is a 400, not an empty list."""
    for name in names:
        raw = request.query_params.get(name)
        choices = model._meta.get_field(name).choices
        if raw is not None and choices and raw not in {value for value, _label in choices}:
            raise invalid_filter(name, raw)


def _with_checked_choices(view, model, names: tuple[str, ...]):
    class Checked(view):
        def get_queryset(self):
            _check_choices(model, self.request, names)
            return super().get_queryset()

    Checked.__name__ = Checked.__qualname__ = view.__name__
    return Checked


def not_in_future(value) -> None:
    if value > timezone.localdate():
        raise serializers.ValidationError(_("This date is in the future."))


def _choice_parameter(name: str, choices, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, str, enum=[value for value, _label in choices], description=description)


# --- Number resources --------------------------------------------------------------------------------

class NumberResourceSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", allow_null=True, required=False,
                                          queryset=Client.objects.exclude(schema_name="public")
                                          .exclude(status=Client.Status.ARCHIVED))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    authority = serializers.ChoiceField(
        choices=[("MIIT", issuer_name("MIIT")), ("carrier", _("A carrier (400/800)")),
                 *((code, issuer_name(code)) for code in provinces.codes())],
        allow_blank=True, required=False,
        help_text='Who allocated it: "MIIT", a province\'s GB/T 2260 code (96 numbers), or "carrier" (400/800).')
    holder = HolderField(allow_null=True, required=False,
                         help_text='Who holds the allocation: a tenant\'s slug, or "platform" for the operator.')

    class Meta:
        model = NumberResource
        fields = ["id", "number", "kind", "kind_label", "province", "authority", "holder", "certificate", "filed_on",
                  "tenant", "routed_queue", "routed_at"]
        read_only_fields = ["kind", "routed_queue", "routed_at"]
        extra_kwargs = {"number": {"validators": []}, "province": {"required": False}}

    def validate_number(self, value):
        if self.instance is not None and value != self.instance.number:
            raise serializers.ValidationError(_("A registered number cannot change; register a new one."))
        return value


def _update_number(*, actor, instance, number=None, **changes):
    # A PATCH without `tenant` keeps the allocation: the service reads a missing tenant as "take it back".
    tenant = changes.pop("tenant", instance.tenant)
    return services.do_allocate_number(actor=actor, instance=instance, tenant=tenant, **changes)


NumberResourceListView, NumberResourceDetailView = resource_views(
    name="NumberResource", serializer=NumberResourceSerializer, roles=COMPLIANCE_ROLES,
    queryset=lambda request: NumberResource.objects.select_related("tenant", "holder"),
    create=services.do_register_number, update=_update_number, filters=("kind", "province"),
)
NumberResourceListView = extend_schema_view(
    get=extend_schema(parameters=[_choice_parameter("kind", NumberResource._meta.get_field("kind").choices),
                                  OpenApiParameter("province", str, description="GB/T 2260 code")]),
    post=extend_schema(
        description="Register an access number (its kind comes from its digits) and allocate it to a tenant. "
                    "A number the tenant's licence does not allow is refused with 409 and the rule's id "
                    "(`NUM-04`: a 96 number outside the coverage).",
        examples=[OpenApiExample("a 400 number for acme", request_only=True,
                                 value={"number": "400-820-8821", "tenant": "acme", "authority": "carrier",
                                        "holder": "platform"}),
                  OpenApiExample("a Jiangsu 96 number", request_only=True,
                                 value={"number": "96888", "province": "32", "tenant": "bpo", "holder": "bpo",
                                        "authority": "32", "certificate": "苏号〔2026〕96888",
                                        "filed_on": "2026-03-02"})],
    ),
)(_with_checked_choices(NumberResourceListView, NumberResource, ("kind",)))


# --- Licences --------------------------------------------------------------------------------------

class SiteBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlatformSite
        fields = ["id", "name", "province", "city", "state", "responsible_for"]


class EntityBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResponsibleEntity
        fields = ["id", "name", "kind", "province", "answers_for"]


class AnnualReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = AnnualReport
        fields = ["id", "licence", "year", "filed_on"]
        read_only_fields = ["licence"]
        extra_kwargs = {"filed_on": {"validators": [not_in_future]}}
        validators = []  # one per licence and year: the service answers 409 annual_report_exists

    def validate(self, data):
        if data["filed_on"].year <= data["year"]:
            raise serializers.ValidationError({"filed_on": [_("An annual report is filed after its year ends.")]})
        return data


class LicenceSerializer(serializers.ModelSerializer):
    holder = HolderField(help_text='A commercial tenant\'s slug, or "platform" for the platform operator.')
    issuer = issuer_field()
    coverage = ProvinceListField(allow_empty=False, help_text="GB/T 2260 codes of the provinces covered.")
    topology_label = serializers.CharField(source="get_topology_display", read_only=True)
    sites = SiteBriefSerializer(many=True, read_only=True)
    entities = EntityBriefSerializer(many=True, read_only=True)
    annual_reports = AnnualReportSerializer(many=True, read_only=True)

    class Meta:
        model = Licence
        fields = ["id", "number", "holder", "category", "scope", "issuer", "coverage", "topology", "topology_label",
                  "valid_from", "valid_until", "document", "outbound_commitment_on", "sites", "entities",
                  "annual_reports"]

    def validate(self, data):
        _unchanged(self, data, ("holder",), _("A licence does not move to another holder."))
        valid_from = data.get("valid_from", getattr(self.instance, "valid_from", None))
        valid_until = data.get("valid_until", getattr(self.instance, "valid_until", None))
        if valid_from and valid_until and valid_until <= valid_from:
            raise serializers.ValidationError({"valid_until": [_("The licence must end after it starts.")]})
        return data


def _licences(request):
    return Licence.objects.select_related("holder").prefetch_related(
        Prefetch("sites", queryset=PlatformSite.objects.order_by("pk")), "entities", "annual_reports")


_LicenceListView, LicenceDetailView = resource_views(
    name="Licence", serializer=LicenceSerializer, roles=COMPLIANCE_ROLES, queryset=_licences,
    create=services.do_register_licence, update=services.do_update_licence, filters=("topology",),
)


class _LicenceHolderFilter(_with_checked_choices(_LicenceListView, Licence, ("topology",))):
    def get_queryset(self):
        licences = super().get_queryset()
        raw = self.request.query_params.get("holder")
        if raw is not None:
            holder = holder_by_slug(raw)
            if holder is None:
                raise invalid_filter("holder", raw)
            licences = licences.filter(holder=holder)
        return licences


_LicenceHolderFilter.__name__ = _LicenceHolderFilter.__qualname__ = "LicenceListView"

LICENCE_EXAMPLE = {
    "number": "浙B2-20260001", "holder": "bpo", "scope": "domestic", "issuer": "33", "coverage": ["33"],
    "topology": "centralized", "valid_from": "2026-01-01", "valid_until": "2030-12-31",
    "outbound_commitment_on": "2026-01-20",
}
LicenceListView = extend_schema_view(
    get=extend_schema(parameters=[
        OpenApiParameter("holder", str, description='A tenant\'s slug, or "platform".'),
        _choice_parameter("topology", Licence.Topology.choices)]),
    post=extend_schema(
        description="Register a licence. Sites, responsible entities and annual reports are registered on their "
                    "own endpoints and shown here read-only.",
        examples=[OpenApiExample("a one-province licence", request_only=True, value=LICENCE_EXAMPLE)]),
)(_LicenceHolderFilter)
LicenceDetailView = extend_schema_view(patch=extend_schema(
    description="Topology, coverage and issuer change only through a topology change request: changing them "
                "here is 409 `TOP-04`.",
    examples=[OpenApiExample("renewed", request_only=True, value={"valid_until": "2033-02-28"})],
))(LicenceDetailView)


class AnnualReportView(APIView):
    """File a licence's annual report (年报) for one year."""

    roles = COMPLIANCE_ROLES

    @extend_schema(request=AnnualReportSerializer, responses={201: AnnualReportSerializer},
                   examples=[OpenApiExample("2025's report", request_only=True,
                                            value={"year": 2025, "filed_on": "2026-03-15"})])
    def post(self, request, pk):
        licence = get_object_or_404(Licence, pk=pk)
        data = AnnualReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.do_file_annual_report(actor=request.user, licence=licence, **data.validated_data)
        return Response(AnnualReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- Platform sites and responsible entities --------------------------------------------------------

class PlatformSiteSerializer(serializers.ModelSerializer):
    licence = serializers.PrimaryKeyRelatedField(queryset=Licence.objects.all())
    licence_number = serializers.CharField(source="licence.number", read_only=True)
    province = province_field()
    responsible_for = ProvinceListField(required=False, help_text="Hybrid topology: the provinces this platform "
                                                                  "answers for.")
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = PlatformSite
        fields = ["id", "licence", "licence_number", "name", "province", "city", "state", "state_label",
                  "responsible_for"]

    def validate(self, data):
        _unchanged(self, data, ("licence", "province"),
                   _("A platform site stays with its licence and province; register a new one."))
        return data


_SiteListView, PlatformSiteDetailView = resource_views(
    name="PlatformSite", serializer=PlatformSiteSerializer, roles=COMPLIANCE_ROLES,
    queryset=lambda request: PlatformSite.objects.select_related("licence"),
    create=services.do_register_site, update=services.do_update_site, filters=("licence", "state"),
)
PlatformSiteListView = extend_schema_view(
    get=extend_schema(parameters=[OpenApiParameter("licence", int),
                                  _choice_parameter("state", PlatformSite.State.choices)]),
    post=extend_schema(examples=[OpenApiExample("a planned platform in Hangzhou", request_only=True, value={
        "licence": 1, "name": "杭州平台", "province": "33", "city": "杭州", "state": "planned"})]),
)(_with_checked_choices(_SiteListView, PlatformSite, ("state",)))
PlatformSiteDetailView = extend_schema_view(patch=extend_schema(
    description="Activating a site is checked against its licence: e.g. a second active site of a centralized "
                "licence is 409 `TOP-01`, a site outside the coverage 409 `COV-01`.",
    examples=[OpenApiExample("activate", request_only=True, value={"state": "active"})],
))(PlatformSiteDetailView)


class ResponsibleEntitySerializer(serializers.ModelSerializer):
    licence = serializers.PrimaryKeyRelatedField(queryset=Licence.objects.all())
    licence_number = serializers.CharField(source="licence.number", read_only=True)
    province = province_field()
    answers_for = ProvinceListField(required=False, help_text="The covered provinces this entity answers for.")

    class Meta:
        model = ResponsibleEntity
        fields = ["id", "licence", "licence_number", "name", "kind", "province", "answers_for"]

    def validate(self, data):
        _unchanged(self, data, ("licence",), _("A responsible entity stays with its licence."))
        return data


_EntityListView, ResponsibleEntityDetailView = resource_views(
    name="ResponsibleEntity", serializer=ResponsibleEntitySerializer, roles=COMPLIANCE_ROLES,
    queryset=lambda request: ResponsibleEntity.objects.select_related("licence"),
    create=services.do_register_entity, update=services.do_update_entity, filters=("licence", "kind"),
)
ResponsibleEntityListView = extend_schema_view(
    get=extend_schema(parameters=[OpenApiParameter("licence", int),
                                  _choice_parameter("kind", ResponsibleEntity.Kind.choices)]),
    post=extend_schema(examples=[OpenApiExample("a branch answering for Zhejiang", request_only=True, value={
        "licence": 1, "name": "云联呼叫中心平台有限公司杭州分公司", "kind": "branch", "province": "33",
        "answers_for": ["33"]})]),
)(_with_checked_choices(_EntityListView, ResponsibleEntity, ("kind",)))


# --- Topology change requests ----------------------------------------------------------------------

class TopologyChangeSerializer(serializers.ModelSerializer):
    licence = serializers.PrimaryKeyRelatedField(queryset=Licence.objects.all())
    licence_number = serializers.CharField(source="licence.number", read_only=True)
    coverage = ProvinceListField(allow_empty=False)
    issuer = issuer_field(required=False, allow_blank=True)
    site_responsibilities = serializers.DictField(
        child=ProvinceListField(), required=False,
        help_text="{platform site id: [provinces]}: what each site of the licence answers for once applied.")
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = TopologyChange
        fields = ["id", "licence", "licence_number", "state", "state_label", "topology", "coverage", "issuer",
                  "site_responsibilities", "reason", "filing_reference", "filed_on", "approval_reference",
                  "decided_on", "applied_at", "created_by", "created_at", "previous"]
        read_only_fields = ["state", "filing_reference", "filed_on", "approval_reference", "decided_on",
                            "applied_at", "created_by", "created_at", "previous"]
        extra_kwargs = {"issuer": {"help_text": "Defaults to what the coverage requires (MIIT for 2+ provinces)."}}


def _changes(request):
    return TopologyChange.objects.select_related("licence")


class TopologyChangeListView(generics.ListCreateAPIView):
    """Topology change requests. A new one is a draft; it is filed, approved (or rejected) and applied
    through its actions. Applying is the only way a licence's topology, coverage and issuer change."""

    roles = COMPLIANCE_ROLES
    serializer_class = TopologyChangeSerializer

    def get_queryset(self):
        _check_choices(TopologyChange, self.request, ("state",))
        rows = _changes(self.request)
        if licence := self.request.query_params.get("licence"):
            if not licence.isdigit():
                raise invalid_filter("licence", licence)
            rows = rows.filter(licence_id=int(licence))
        if state := self.request.query_params.get("state"):
            rows = rows.filter(state=state)
        return rows

    @extend_schema(parameters=[OpenApiParameter("licence", int),
                               _choice_parameter("state", TopologyChange.State.choices)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(examples=[OpenApiExample("the demo operator goes hybrid", request_only=True, value={
        "licence": 1, "topology": "hybrid", "coverage": ["11", "31", "32"], "reason": "两个平台各负责半个国家",
        "site_responsibilities": {"1": ["11"], "2": ["31", "32"]}})])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.do_draft_topology_change(actor=self.request.user, **serializer.validated_data)


class TopologyChangeDetailView(generics.RetrieveAPIView):
    roles = COMPLIANCE_ROLES
    serializer_class = TopologyChangeSerializer

    def get_queryset(self):
        return _changes(self.request)


class FileChangeInput(serializers.Serializer):
    filing_reference = serializers.CharField(max_length=100, help_text="The authority's filing reference.")
    filed_on = serializers.DateField(required=False, validators=[not_in_future], help_text="Today when omitted.")


class ApproveChangeInput(serializers.Serializer):
    approval_reference = serializers.CharField(max_length=100, help_text="The amended licence's approval reference.")
    decided_on = serializers.DateField(required=False, validators=[not_in_future], help_text="Today when omitted.")


class RejectChangeInput(serializers.Serializer):
    decided_on = serializers.DateField(required=False, validators=[not_in_future], help_text="Today when omitted.")


def _change_or_404(pk) -> TopologyChange:
    return get_object_or_404(TopologyChange, pk=pk)


def _change_action(action, body: type[serializers.Serializer], summary: str, example: dict) -> type[APIView]:
    """`POST …/topology-changes/<pk>/<verb>/` with a small body: one step of the workflow, 409
    `topology_change_state` when the request is not in a state it can take that step from."""

    class ChangeActionView(APIView):
        roles = COMPLIANCE_ROLES

        @extend_schema(request=body, responses=TopologyChangeSerializer, summary=summary,
                       examples=[OpenApiExample(summary, request_only=True, value=example)])
        def post(self, request, pk):
            data = body(data=request.data)
            data.is_valid(raise_exception=True)
            change = action(actor=request.user, change=_change_or_404(pk), **data.validated_data)
            return Response(TopologyChangeSerializer(change).data)

    name = "".join(part.title() for part in action.__name__.removeprefix("do_").split("_")) + "View"
    ChangeActionView.__name__ = ChangeActionView.__qualname__ = name
    return ChangeActionView


TopologyChangeFileView = _change_action(
    services.do_file_topology_change, FileChangeInput, "File a draft with the issuing authority",
    {"filing_reference": "工信部备〔2026〕118号", "filed_on": "2026-05-06"})
TopologyChangeApproveView = _change_action(
    services.do_approve_topology_change, ApproveChangeInput, "Record the authority's approval of a filed change",
    {"approval_reference": "工信部电管函〔2026〕233号", "decided_on": "2026-06-12"})
TopologyChangeRejectView = _change_action(
    services.do_reject_topology_change, RejectChangeInput, "Record that a change was refused (or withdrawn)",
    {"decided_on": "2026-06-12"})
TopologyChangeApplyView = action_view(
    action=services.do_apply_topology_change, roles=COMPLIANCE_ROLES, load=_change_or_404, argument="change",
    output=TopologyChangeSerializer,
    summary="Put an approved change into effect (409 with the rule's id if the network does not match it)")


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
    _choice_parameter("severity", Severity.choices),
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
