"""Tokens bound to their host, expiry, and throttling of failed logins (API and web)."""

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from saas.accounts.models import ApiToken
from saas.demo import DEMO_PASSWORD
from tenants.models import Client


def _login(api, slug, username, password):
    return api(slug).post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_a_token_works_on_the_host_that_issued_it_only(api):
    # given
    token = _login(api, "acme", "acme-agent", DEMO_PASSWORD).json()["token"]

    # when
    on_acme = api("acme")
    on_acme.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    on_bpo = api("bpo")
    on_bpo.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    # then
    assert on_acme.get("/api/v1/me/").json()["username"] == "acme-agent"
    assert on_bpo.get("/api/v1/me/").status_code == 401


def test_only_a_digest_of_the_token_is_stored(api):
    # when
    token = _login(api, "acme", "acme-agent", DEMO_PASSWORD).json()["token"]

    # then
    with schema_context(Client.objects.get(slug="acme").schema_name):
        assert not ApiToken.objects.filter(digest=token).exists()
        assert ApiToken.objects.filter(digest=ApiToken.digest_of(token)).exists()


def test_an_expired_token_is_refused(api):
    # given
    token = _login(api, "acme", "acme-agent", DEMO_PASSWORD).json()["token"]
    with schema_context(Client.objects.get(slug="acme").schema_name):
        expired = timezone.now() - timedelta(seconds=1)
        ApiToken.objects.filter(digest=ApiToken.digest_of(token)).update(expires_at=expired)
    client = api("acme")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    # when
    response = client.get("/api/v1/me/")

    # then
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"


def test_five_failed_logins_lock_the_username_even_with_the_right_password(api):
    # given
    for _ in range(5):
        assert _login(api, "acme", "acme-admin", "wrong-password").status_code == 400

    # when
    response = _login(api, "acme", "acme-admin", DEMO_PASSWORD)

    # then
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "login_throttled"
    assert int(response["Retry-After"]) > 0


def test_the_lock_is_per_host(api):
    # given: acme-admin locked on acme
    for _ in range(5):
        _login(api, "acme", "acme-admin", "wrong-password")

    # when: bpo's admin logs in on bpo (from a different address, as the counter is also per address)
    response = api("bpo").post("/api/v1/auth/token/", {"username": "bpo-admin", "password": DEMO_PASSWORD},
                               format="json", REMOTE_ADDR="10.0.0.9")

    # then
    assert response.status_code == 201


def test_a_successful_login_clears_the_failure_count(api):
    # given
    for _ in range(4):
        _login(api, "acme", "acme-admin", "wrong-password")
    assert _login(api, "acme", "acme-admin", DEMO_PASSWORD).status_code == 201

    # when
    for _ in range(4):
        _login(api, "acme", "acme-admin", "wrong-password")

    # then
    assert _login(api, "acme", "acme-admin", DEMO_PASSWORD).status_code == 201


def test_the_web_login_is_throttled_too(web):
    # given
    client = web("acme")
    for _ in range(5):
        client.post("/login/", {"username": "acme-admin", "password": "wrong-password"})

    # when
    response = client.post("/login/", {"username": "acme-admin", "password": DEMO_PASSWORD})

    # then
    assert response.status_code == 200  # the form again, not a redirect
    assert "登录失败次数过多" in response.content.decode()
