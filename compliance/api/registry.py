"""The licence registry: number resources, licences, sites, responsible entities, topology changes.

Every write goes through a `compliance.services` action, which refuses (409, the rule's id as the
code) what would create a violation, and stores nothing then.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import provinces, services
from compliance.api.fields import (
    COMPLIANCE_ROLES,
    HolderField,
    ProvinceListField,
    check_choices,
    choice_parameter,
    holder_by_slug,
    issuer_field,
    not_in_future,
    province_field,
    unchanged,
    with_checked_choices,
)
from compliance.models import (
    AnnualReport,
    Licence,
    NumberResource,
    PlatformSite,
    ResponsibleEntity,
    TopologyChange,
)
from compliance.rules.licence import issuer_name
from saas.api.actions import action_view
from saas.api.resources import invalid_filter, resource_views
from tenants.models import Client

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
    get=extend_schema(parameters=[choice_parameter("kind", NumberResource._meta.get_field("kind").choices),
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
)(with_checked_choices(NumberResourceListView, NumberResource, ("kind",)))


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
        unchanged(self, data, ("holder",), _("A licence does not move to another holder."))
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


class _LicenceHolderFilter(with_checked_choices(_LicenceListView, Licence, ("topology",))):
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
        choice_parameter("topology", Licence.Topology.choices)]),
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
        unchanged(self, data, ("licence", "province"),
                   _("A platform site stays with its licence and province; register a new one."))
        return data


_SiteListView, PlatformSiteDetailView = resource_views(
    name="PlatformSite", serializer=PlatformSiteSerializer, roles=COMPLIANCE_ROLES,
    queryset=lambda request: PlatformSite.objects.select_related("licence"),
    create=services.do_register_site, update=services.do_update_site, filters=("licence", "state"),
)
PlatformSiteListView = extend_schema_view(
    get=extend_schema(parameters=[OpenApiParameter("licence", int),
                                  choice_parameter("state", PlatformSite.State.choices)]),
    post=extend_schema(examples=[OpenApiExample("a planned platform in Hangzhou", request_only=True, value={
        "licence": 1, "name": "杭州平台", "province": "33", "city": "杭州", "state": "planned"})]),
)(with_checked_choices(_SiteListView, PlatformSite, ("state",)))
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
        unchanged(self, data, ("licence",), _("A responsible entity stays with its licence."))
        return data


_EntityListView, ResponsibleEntityDetailView = resource_views(
    name="ResponsibleEntity", serializer=ResponsibleEntitySerializer, roles=COMPLIANCE_ROLES,
    queryset=lambda request: ResponsibleEntity.objects.select_related("licence"),
    create=services.do_register_entity, update=services.do_update_entity, filters=("licence", "kind"),
)
ResponsibleEntityListView = extend_schema_view(
    get=extend_schema(parameters=[OpenApiParameter("licence", int),
                                  choice_parameter("kind", ResponsibleEntity.Kind.choices)]),
    post=extend_schema(examples=[OpenApiExample("a branch answering for Zhejiang", request_only=True, value={
        "licence": 1, "name": "云联呼叫中心平台有限公司杭州分公司", "kind": "branch", "province": "33",
        "answers_for": ["33"]})]),
)(with_checked_choices(_EntityListView, ResponsibleEntity, ("kind",)))


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
        check_choices(TopologyChange, self.request, ("state",))
        rows = _changes(self.request)
        if licence := self.request.query_params.get("licence"):
            if not licence.isdigit():
                raise invalid_filter("licence", licence)
            rows = rows.filter(licence_id=int(licence))
        if state := self.request.query_params.get("state"):
            rows = rows.filter(state=state)
        return rows

    @extend_schema(parameters=[OpenApiParameter("licence", int),
                               choice_parameter("state", TopologyChange.State.choices)])
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
    return action_view(action=action, roles=COMPLIANCE_ROLES, load=_change_or_404, argument="change",
                       output=TopologyChangeSerializer, summary=summary, body=body, example=example)


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


