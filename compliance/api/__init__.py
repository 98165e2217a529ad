"""The compliance API on the platform host (compliance officers write; platform administrators read)
and a tenant's own compliance status on its host (`GET /api/v1/compliance/`)."""

from compliance.api.audits import (  # noqa: F401
    AuditRunDetailView,
    AuditRunListView,
    CoverageMapView,
    FindingListView,
    RuleDetailView,
    RuleListView,
    TenantComplianceView,
)
from compliance.api.registry import (  # noqa: F401
    AnnualReportView,
    LicenceDetailView,
    LicenceListView,
    NumberResourceDetailView,
    NumberResourceListView,
    PlatformSiteDetailView,
    PlatformSiteListView,
    ResponsibleEntityDetailView,
    ResponsibleEntityListView,
    TopologyChangeApplyView,
    TopologyChangeApproveView,
    TopologyChangeDetailView,
    TopologyChangeFileView,
    TopologyChangeListView,
    TopologyChangeRejectView,
)
