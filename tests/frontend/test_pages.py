"""The web shell: login, navigation per role, language switch, and the platform console."""

import json

import pytest

from tenants.models import Client
from tests.conftest import make_uscc


def test_the_login_page_is_in_chinese_by_default_and_english_on_request(web):
    # given
    client = web("acme")

    # when
    chinese = client.get("/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    english = client.get("/login/").content.decode()

    # then
    assert "<h1>登录</h1>" in chinese and "<h1>Log in</h1>" in english


def test_pages_stay_chinese_for_an_english_browser_until_english_is_chosen(web):
    # given
    client = web("acme")

    # when
    by_browser = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    by_choice = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    # then
    assert "<h1>登录</h1>" in by_browser
    assert "<h1>Log in</h1>" in by_choice


def test_the_console_carries_status_labels_in_the_page_language(web):
    # when
    page = web("platform", "platform_admin").get("/console/tenants/").content.decode()

    # then: the live feed sends status codes; the page turns them into its own words
    labels = json.loads(page.split('id="status-labels" type="application/json">')[1].split("</script>")[0])
    assert labels["provisioning"] == "开通中"
    assert labels["active"] == "正常"  # the tenant status, not the user column's 启用


@pytest.mark.parametrize(
    ("slug", "role", "visible", "hidden"),
    [
        ("platform", "platform_admin", ["客户企业", "用户", "审计日志"], []),
        ("platform", "finance", ["客户企业"], ["审计日志", "用户"]),
        ("acme", "tenant_admin", ["概览", "用户", "审计日志"], ["客户企业"]),
        ("acme", "agent", ["概览"], ["用户", "审计日志"]),
    ],
)
def test_navigation_shows_what_the_role_may_use(web, slug, role, visible, hidden):
    # when
    page = web(slug, role).get("/", follow=True).content.decode()
    nav = page.split("<nav>")[1].split("</nav>")[0]

    # then
    assert all(label in nav for label in visible), nav
    assert not any(label in nav for label in hidden), nav


def test_an_agent_cannot_open_the_users_page(web):
    assert web("acme", "agent").get("/users/").status_code == 403


def test_the_console_lists_tenants_with_their_state(web):
    # when
    page = web("platform", "platform_admin").get("/console/tenants/").content.decode()

    # then
    assert 'data-slug="acme"' in page and 'data-slug="bpo"' in page
    assert "status-active" in page
    assert 'id="tenant-form"' in page


def test_a_platform_admin_provisions_from_the_console(web, new_slug):
    # given
    client = web("platform", "platform_admin")
    slug = new_slug()

    # when
    response = client.post("/console/tenants/", {"slug": slug, "legal_name": "控制台开通有限公司",
                                                 "uscc": make_uscc(), "business_type": "self_use"},
                           HTTP_HX_REQUEST="true")

    # then: the new row, in provisioning state, with a progress bar until the worker reports back
    row = response.content.decode()
    assert response.status_code == 200 and f'data-slug="{slug}"' in row and "<progress" in row
    assert f'data-credentials-for="{slug}"' in row and "<code>admin</code>" in row  # the first admin, shown once
    assert Client.objects.get(slug=slug).status == Client.Status.PROVISIONING


def test_console_form_errors_are_shown_next_to_the_field(web):
    # when
    response = web("platform", "platform_admin").post(
        "/console/tenants/", {"slug": "acme", "legal_name": "重复", "uscc": "91350100M000100Y44",
                              "business_type": "self_use"}, HTTP_HX_REQUEST="true")

    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "统一社会信用代码的校验码不正确" in page


def test_a_compliance_officer_sees_the_console_but_cannot_provision(web):
    # given
    client = web("platform", "compliance_officer")

    # when
    page = client.get("/console/tenants/").content.decode()
    refused = client.post("/console/tenants/", {"slug": "nope", "legal_name": "x", "uscc": make_uscc(),
                                                "business_type": "self_use"})

    # then
    assert 'data-slug="acme"' in page and 'id="tenant-form"' not in page
    assert refused.status_code == 403
    assert not Client.objects.filter(slug="nope").exists()


def test_a_suspended_tenant_host_shows_a_clear_page(web, api):
    # given
    api("platform", "platform_admin").post("/api/v1/tenants/acme/suspend/")

    # when
    response = web("acme").get("/login/")

    # then
    assert response.status_code == 403 and "已被暂停" in response.content.decode()


def test_the_language_switch_names_each_language_in_itself(web):
    client = web("acme")
    assert 'lang="en">English</button>' in client.get("/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert 'lang="zh-hans">简体中文</button>' in client.get("/login/").content.decode()
