"""One error shape everywhere, with the message in Chinese unless the caller asks for English."""

import pytest
from rest_framework.test import APIClient


def test_an_unknown_tenant_host_is_a_404_never_another_tenant(db):
    # when
    response = APIClient(HTTP_HOST="ghost.localhost").get("/api/v1/me/")

    # then
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "tenant_not_found", "message": "没有使用此地址的客户企业。", "details": {}}
    }


@pytest.mark.parametrize(
    ("accept_language", "message"),
    [
        (None, "用户名或密码错误。"),
        ("zh-CN,zh;q=0.9", "用户名或密码错误。"),
        ("en-US,en;q=0.8", "The username or password is wrong."),
    ],
)
def test_messages_follow_accept_language_with_chinese_by_default(api, accept_language, message):
    # given
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    # when
    response = api("acme").post("/api/v1/auth/token/", {"username": "acme-admin", "password": "wrong"},
                                format="json", **headers)

    # then
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_credentials", "message": message, "details": {}}


def test_validation_errors_name_each_field(api):
    # when
    response = api("platform", "platform_admin").post(
        "/api/v1/tenants/", {"slug": "X", "legal_name": "", "uscc": "123", "business_type": "pirate"},
        format="json", HTTP_ACCEPT_LANGUAGE="en",
    )

    # then
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "invalid"
    assert set(error["details"]) == {"legal_name", "uscc", "business_type"}


def test_an_unknown_api_path_answers_in_the_error_shape(api):
    response = api("acme", "agent").get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_malformed_json_body_is_a_400_not_a_500(api):
    response = api("platform", "platform_admin").post(
        "/api/v1/tenants/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"


def test_refused_registration_stores_nothing(api):
    # given
    admin = api("platform", "platform_admin")
    from tenants.models import Client

    before = Client.objects.count()

    # when: the slug of an existing tenant
    response = admin.post("/api/v1/tenants/", {"slug": "acme", "legal_name": "重复企业", "uscc": "91350100M000100Y43",
                                               "business_type": "self_use"}, format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "slug_taken"
    assert Client.objects.count() == before


@pytest.mark.parametrize("query", ["?active=perhaps", "?team=abc"])
def test_a_filter_value_that_does_not_parse_is_a_400(api, query):
    response = api("acme", "tenant_admin").get(f"/api/v1/{'skills' if 'active' in query else 'agents'}/{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_filter"
