"""`GET /api/v1/health/`: can this node reach its database, Redis and a Celery worker?"""

from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from saas.api.permissions import PUBLIC
from saas.celery import app as celery_app


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def _redis() -> dict:
    cache.set("health-probe", 1, timeout=5)
    return {"ok": cache.get("health-probe") == 1}


def _celery() -> dict:
    replies = celery_app.control.ping(timeout=0.5)
    return {"ok": bool(replies), "workers": len(replies)}


CHECKS = {"database": _database, "redis": _redis, "celery": _celery}


class HealthView(APIView):
    roles = PUBLIC
    authentication_classes = []

    @extend_schema(
        responses=inline_serializer(
            "Health", {"status": serializers.CharField(), "checks": serializers.DictField()}
        )
    )
    def get(self, request):
        checks = {}
        for name, check in CHECKS.items():
            try:
                checks[name] = check()
            except Exception as error:  # noqa: BLE001 — a health check reports failures, it never raises
                checks[name] = {"ok": False, "error": type(error).__name__}
        healthy = checks["database"]["ok"] and checks["redis"]["ok"]
        # A missing worker degrades the platform (provisioning waits) but does not take it down.
        state = "ok" if healthy and checks["celery"]["ok"] else ("degraded" if healthy else "down")
        return Response({"status": state, "checks": checks}, status=200 if healthy else 503)
