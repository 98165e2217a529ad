"""The OpenAPI document of each kind of host: valid, without generator warnings, and served."""

import pytest
import yaml
from django.core.management import call_command

from tests.endpoints import api_endpoints, concrete


@pytest.mark.parametrize("kind", ["platform", "tenant"])
def test_the_schema_generates_without_warnings_and_lists_every_endpoint(kind, tmp_path):
    # when
    target = tmp_path / "schema.yaml"
    call_command("spectacular", urlconf=f"saas.urls_{kind}", validate=True, fail_on_warn=True, file=str(target))

    # then
    documented = {concrete(path) for path in yaml.safe_load(target.read_text())["paths"]}
    assert documented == {endpoint.path for endpoint in api_endpoints() if endpoint.host_kind == kind}


@pytest.mark.parametrize("slug", ["platform", "acme"])
def test_swagger_ui_and_the_schema_are_served_on_every_host(api, slug):
    assert api(slug).get("/api/docs/").status_code == 200
    schema = api(slug).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
