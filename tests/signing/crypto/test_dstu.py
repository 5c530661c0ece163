"""DSTU 4145 signatures checked by the Node.js helper (jkurwa), with the test key."""

import subprocess
from pathlib import Path

import pytest

from apps.client_portal.core.errors import Refused
from apps.client_portal.documents.signing.crypto import dstu, uploads
from tests.signing.crypto.helpers import tiny_pdf

HERE = Path(__file__).resolve().parent
needs_node = pytest.mark.skipif(
    not dstu.available(),
    reason="DSTU tests need Node.js and apps/client_portal/documents/signing/node/setup.sh")


def dstu_sign(data: bytes, tmp_path, password="Test-dstu-2026") -> bytes:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    done = subprocess.run(["node", str(HERE / "dstu_sign.js"), str(path), password],
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    if not dstu.available():
        pytest.skip("no Node.js helper")
    original = tiny_pdf()
    return original, dstu_sign(original, tmp_path_factory.mktemp("dstu"))


@needs_node
def test_a_dstu_signature_of_our_pdf(signed):
    original, p7s = signed
    info = dstu.verify(original, p7s)
    assert info.subject == ("L=Kyiv,C=UA,serialNumber=TINUA-1234567890,CN=Olena Example,"
                            "O=Example Client LLC")
    assert "CN=Example DSTU Test CA" in info.issuer
    assert info.serial == format(2002, "X")
    assert info.method == "dstu_p7s"
    assert info.signed_at is not None and info.signed_at.tzinfo is not None
    assert info.certificate_der == (HERE / "fixtures" / "dstu_signer.cer").read_bytes()


@needs_node
def test_uploads_hand_dstu_p7s_to_the_helper(signed):
    original, p7s = signed
    assert uploads.check_p7s(original, p7s).method == "dstu_p7s"


@needs_node
def test_a_dstu_signature_of_other_bytes(signed):
    original, p7s = signed
    with pytest.raises(Refused, match="does not match this document"):
        dstu.verify(original + b" ", p7s)
    with pytest.raises(Refused, match="does not match this document"):
        uploads.check_p7s(tiny_pdf("Another contract"), p7s)


@needs_node
def test_a_dstu_signature_altered(signed):
    original, p7s = signed
    broken = bytearray(p7s)
    broken[-5] ^= 0x55  # inside the signature value, at the end
    with pytest.raises(Refused, match="does not match this document"):
        dstu.verify(original, bytes(broken))


@needs_node
@pytest.mark.parametrize("garbage", [b"", b"not a signature", b"\x30\x03\x02\x01\x01"])
def test_garbage_to_the_helper(garbage):
    with pytest.raises(Refused, match="not a signature file"):
        dstu.verify(tiny_pdf(), garbage)


@needs_node
def test_the_wrong_password_does_not_open_the_key(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(tiny_pdf())
    done = subprocess.run(["node", str(HERE / "dstu_sign.js"), str(path), "wrong"],
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 1 and b"Cant load key" in done.stderr


def test_without_node_dstu_is_refused_clearly(settings):
    # fixtures/dstu_tiny_pdf.p7s: the test key's signature of tiny_pdf(), kept so that
    # this runs where Node.js is missing.
    p7s = (HERE / "fixtures" / "dstu_tiny_pdf.p7s").read_bytes()
    settings.SIGNING_NODE_BINARY = "node-that-is-not-installed"
    assert not dstu.available()
    with pytest.raises(Refused, match="DSTU 4145 signatures need Node.js") as caught:
        uploads.check_p7s(tiny_pdf(), p7s)
    assert caught.value.code == "unavailable"


@needs_node
def test_the_stored_dstu_signature_still_verifies():
    p7s = (HERE / "fixtures" / "dstu_tiny_pdf.p7s").read_bytes()
    assert dstu.verify(tiny_pdf(), p7s).subject.startswith("L=Kyiv,C=UA")
