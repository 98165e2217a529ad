import csv
import io

from django.http import Http404, HttpResponse
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from openpyxl import Workbook
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from saas.accounts.roles import Role
from saas.api.errors import DomainError
from saas.api.permissions import Roles
from saas.imports.kinds import KINDS
from saas.imports.services import do_import

IMPORT_ROLES = Roles(write={Role.TENANT_ADMIN})


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or GBK) or XLSX; the first row names the columns.")
    dry_run = serializers.BooleanField(default=False, help_text="Check every row and store nothing.")


class ImportReportOutput(serializers.Serializer):
    kind = serializers.CharField()
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    stored = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField(), help_text="One entry per bad row, with its number.")
    passwords = serializers.ListField(child=serializers.DictField(),
                                      help_text="Initial passwords generated for imported agents, shown once.")


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


class ImportView(APIView):
    """Import seats or agents from a spreadsheet. All rows are stored, or none: a file with any bad row
    answers 400 `import_rejected` listing every bad row. `dry_run` checks without storing."""

    roles = IMPORT_ROLES
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportInput}, responses={200: ImportReportOutput})
    def post(self, request, kind):
        _kind(kind)
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = do_import(actor=request.user, kind=kind, file_name=upload.name, content=upload.read(),
                           dry_run=data.validated_data["dry_run"])
        body = ImportReportOutput(report).data
        if not report.ok:
            raise DomainError("import_rejected", _rejected(len(report.errors)), details=body)
        return Response(body)


def _rejected(count: int) -> str:
    return ngettext("%(count)d row is not valid; nothing was stored.",
                    "%(count)d rows are not valid; nothing was stored.", count) % {"count": count}


class ImportTemplateView(APIView):
    """A file with the accepted columns (Chinese headers) and one example row."""

    roles = IMPORT_ROLES

    @extend_schema(parameters=[OpenApiParameter("format", enum=["xlsx", "csv"])],
                   responses={(200, "application/octet-stream"): inline_serializer("File", {})})
    def get(self, request, kind):
        spec = _kind(kind)
        header = list(spec.headers.values())
        example = [spec.example[key] for key in spec.headers]
        if request.query_params.get("format") == "csv":
            buffer = io.StringIO()
            csv.writer(buffer).writerows([header, example])
            content, content_type = buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
        else:
            workbook = Workbook()
            workbook.active.append(header)
            workbook.active.append(example)
            stream = io.BytesIO()
            workbook.save(stream)
            content = stream.getvalue()
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        extension = "csv" if content_type.startswith("text/csv") else "xlsx"
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.{extension}"'
        return response
