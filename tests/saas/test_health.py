from rest_framework.test import APIClient


def test_health_needs_no_login_and_reports_each_service(api):
    # when
    body = api("acme").get("/api/v1/health/").json()

    # then
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["celery"]["ok"] is False  # no worker runs in this test
    assert body["status"] == "degraded"


def test_health_sees_a_running_worker(worker):
    # when
    body = APIClient(HTTP_HOST="localhost").get("/api/v1/health/").json()

    # then
    assert body["checks"]["celery"] == {"ok": True, "workers": 1}
    assert body["status"] == "ok"
