"""The API's JSON parser: a body too deep or unreadable is a 400 in the error shape."""

import io
import json

import pytest
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.views import APIView

from apps.client_portal.api.parsers import MAX_DEPTH, JSONParser, depth_exceeds
from apps.client_portal.core.models import Feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_parsers(monkeypatch):
    """The API with this parser, as DEFAULT_PARSER_CLASSES will name it.

    DRF copies DEFAULT_PARSER_CLASSES into ``APIView.parser_classes`` when the views
    module is imported; a changed setting reloads ``api_settings`` but not that copy,
    so the test sets the class attribute the views inherit.
    """
    monkeypatch.setattr(APIView, "parser_classes", [JSONParser, FormParser, MultiPartParser])


@pytest.fixture
def member_client(demo, login):
    return login(demo.users["member"], demo.organizations["northwind"])


def nested(depth):
    return "[" * depth + "]" * depth


def post(client, body):
    return client.post("/api/v1/feedback/", data=body, content_type="application/json")


def assert_refused(response, words):
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] and body["error"]["message"]
    assert words in json.dumps(body)


@pytest.mark.usefixtures("api_parsers")
@pytest.mark.parametrize("body", ["[" * 100_000, nested(100_000)], ids=["open", "closed"])
def test_a_body_that_overflows_the_json_parser_is_a_400(member_client, body):
    """DRF's own parser let the RecursionError through: a 500."""
    before = Feedback.objects.count()
    assert_refused(post(member_client, body), "more than 64 levels deep")
    assert Feedback.objects.count() == before


@pytest.mark.usefixtures("api_parsers")
def test_a_body_nested_deeper_than_the_limit_is_a_400(member_client):
    body = '{"subject": "Deep", "body": ' + nested(MAX_DEPTH) + "}"
    assert_refused(post(member_client, body), "more than 64 levels deep")


@pytest.mark.usefixtures("api_parsers")
def test_unreadable_json_keeps_the_error_shape(member_client):
    assert_refused(post(member_client, '{"subject": '), "JSON parse error")
    assert_refused(post(member_client, '{"subject": NaN}'), "JSON parse error")


@pytest.mark.usefixtures("api_parsers")
def test_ordinary_json_still_creates(member_client):
    response = post(member_client, json.dumps({"kind": "question", "subject": "Parser",
                                               "body": "Still fine?"}))
    assert response.status_code == 201, response.content
    assert Feedback.objects.filter(subject="Parser").exists()


# --- the parser alone ----------------------------------------------------------------
def parse(text, parser=None):
    return (parser or JSONParser()).parse(io.BytesIO(text.encode()), "application/json",
                                          {"encoding": "utf-8"})


def test_the_parser_reads_ordinary_json_up_to_the_limit():
    assert parse('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    assert parse(nested(MAX_DEPTH)) is not None


@pytest.mark.parametrize("text", [nested(MAX_DEPTH + 1), "[" * 100_000, nested(100_000),
                                  '{"a": ' * 70 + "1" + "}" * 70])
def test_the_parser_refuses_deep_bodies(text):
    with pytest.raises(ParseError, match="more than 64 levels deep"):
        parse(text)


@pytest.mark.parametrize("text", ["", "{", "[1,]", "\ufeff{}garbage", '{"a": Infinity}'])
def test_the_parser_turns_any_failure_into_a_parse_error(text):
    with pytest.raises(ParseError):
        parse(text)


def test_the_limit_is_a_class_attribute():
    class Shallow(JSONParser):
        max_depth = 2

    assert parse("[[1]]", Shallow()) == [[1]]
    with pytest.raises(ParseError, match="more than 2 levels deep"):
        parse("[[[1]]]", Shallow())


def test_depth_counts_lists_and_objects():
    assert not depth_exceeds(1, 0)
    assert not depth_exceeds({"a": [1]}, 2)
    assert depth_exceeds({"a": [{}]}, 2)
    assert not depth_exceeds([[], [], []], 2)
