"""The OpenAPI schema generates cleanly and the explorer needs nothing from the internet."""

import re

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from apps.client_portal.core.registry import registry


@pytest.fixture
def schema():
    GENERATOR_STATS.reset()
    result = SchemaGenerator().get_schema(request=None, public=True)
    warnings = dict(GENERATOR_STATS._warn_cache)
    errors = dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()
    return result, warnings, errors


def test_schema_generates_without_warnings_or_errors(schema):
    result, warnings, errors = schema
    assert not errors, errors
    assert not warnings, warnings
    validate_schema(result)


def test_schema_covers_every_api_resource(schema):
    result, _w, _e = schema
    paths = result["paths"]
    for resource in registry:
        if not resource.api:
            continue
        assert f"/api/v1/{resource.slug}/" in paths, resource.slug
        detail = f"/api/v1/{resource.slug}/{{uuid}}/"
        assert "get" in paths[detail], resource.slug
        if resource.edit_fields:
            assert "patch" in paths[detail], resource.slug
        if resource.create_fields:
            assert "post" in paths[f"/api/v1/{resource.slug}/"], resource.slug
        if resource.actions:
            assert f"{detail}actions/{{action_name}}/" in paths, resource.slug


def test_schema_declares_the_api_key_scheme(schema):
    result, _w, _e = schema
    scheme = result["components"]["securitySchemes"]["ApiKeyAuth"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    operation = result["paths"]["/api/v1/feedback/"]["get"]
    assert {"ApiKeyAuth": []} in operation["security"]


def test_enum_names_are_stable(schema):
    result, _w, _e = schema
    names = set(result["components"]["schemas"])
    assert not [n for n in names if re.search(r"[A-Z][a-z]+\d+Enum$", n)], sorted(names)
    assert {"FeedbackKindEnum", "OrganizationKindEnum", "RoleEnum"} <= names


@pytest.mark.django_db
def test_schema_endpoint_answers(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_swagger_ui_serves_its_assets_locally(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert not [s for s in sources if re.match(r"(https?:)?//", s)], sources
    assert "cdn" not in html.lower()
    assert "unpkg" not in html.lower()
    for source in sources:
        if source.startswith("/static/"):
            asset = client.get(source)
            assert asset.status_code == 200, source
