"""certsign.js and the server agree on the message codes and their English texts."""

import json
import re
from pathlib import Path

from django.utils import translation

from apps.client_portal.documents.signing.crypto import messages

CERTSIGN = (Path(messages.__file__).resolve().parent.parent / "static" / "signing"
            / "certsign.js")


def js_defaults() -> dict:
    source = CERTSIGN.read_text()
    block = source[source.index("var MESSAGE_KEYS = {"):source.index("};", source.index(
        "var MESSAGE_KEYS = {"))]
    pairs = re.findall(r'^\s+(\w+): ("(?:[^"\\]|\\.)*"),$', block, re.M)
    return {key: json.loads(text) for key, text in pairs}


def test_the_same_codes_and_texts_as_certsign_js():
    with translation.override("en"):
        assert js_defaults() == messages.browser_messages()


def test_data_attributes_name_each_code():
    with translation.override("en"):
        attrs = messages.data_attributes()
    assert attrs["data-msg-wrong-password"] == "The password does not open this key file."
    assert len(attrs) == len(messages.MESSAGES)
    assert all(name.startswith("data-msg-") and "_" not in name for name in attrs)
