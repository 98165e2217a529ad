"""One error shape for the whole product: `{"error": {"code", "message", "details"}}` with a 4xx status.

`code` is machine-readable and stable; `message` follows Accept-Language (Chinese by default).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from saas.language import request_language


class DomainError(exceptions.APIException):
    """A refusal by the business rules: raised in services, answered as-is by every view."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, code: str, message, *, status_code: int | None = None, details: dict | None = None):
        super().__init__(detail=message, code=code)
        self.code = code
        self.message = message
        self.details = details or {}
        if status_code is not None:
            self.status_code = status_code


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT


def error_body(code: str, message, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


_DRF_CODES = {
    exceptions.NotAuthenticated: ("not_authenticated", _("Authentication credentials were not provided.")),
    exceptions.AuthenticationFailed: ("authentication_failed", None),
    exceptions.PermissionDenied: ("forbidden", _("Your role does not allow this action.")),
    exceptions.NotFound: ("not_found", _("Not found.")),
    exceptions.MethodNotAllowed: ("method_not_allowed", None),
    exceptions.NotAcceptable: ("not_acceptable", None),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", None),
    exceptions.Throttled: ("throttled", None),
    exceptions.ParseError: ("malformed_request", None),
}


def exception_handler(exc, context):
    """DRF's exception handler, reshaped into the product's error body."""
    if isinstance(exc, IntegrityError):
        # A uniqueness race the service's own check could not see (two requests at once). The
        # service's transaction has rolled back; nothing was stored.
        exc = Conflict("conflict", _("This conflicts with data that was just stored. Reload and try again."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let it surface as a 500 and be logged

    if isinstance(exc, DomainError):
        body = error_body(exc.code, exc.message, exc.details)
    elif isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", _("Some fields are not valid."), _field_errors(exc.detail))
    else:
        code, message = next(
            ((code, message) for kind, (code, message) in _DRF_CODES.items() if isinstance(exc, kind)),
            ("error", None),
        )
        body = error_body(code, message or exc.detail)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    return Response(body, status=exc.status_code, headers=headers)


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {field: _field_errors(value) for field, value in detail.items()}
    if isinstance(detail, list):
        flat = [_field_errors(item) for item in detail]
        return flat if any(isinstance(item, dict) for item in flat) else [str(item) for item in detail]
    return str(detail)


def error_response(request, *, code: str, message, status_code: int):
    """The same error for code outside DRF (middleware): JSON under /api/, a page elsewhere.

    Middleware that answers before LocaleMiddleware must pick the caller's language itself.
    """
    with translation.override(request_language(request)):
        if request.path.startswith("/api/"):
            body = error_body(code, message)
            return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})
        return render(request, "frontend/error.html", {"code": code, "message": message}, status=status_code)


def api_not_found(request, exception=None):
    return error_response(request, code="not_found", message=_("Not found."), status_code=404)
