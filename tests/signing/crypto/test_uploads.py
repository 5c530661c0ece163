"""Uploaded signatures: a PDF signed by a desktop tool, a detached .p7s of our PDF."""

import io

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from apps.client_portal.core.errors import Refused
from apps.client_portal.documents.signing.crypto import testkeys, uploads
from apps.client_portal.documents.signing.crypto.pades import run
from tests.signing.crypto.helpers import tiny_pdf


@pytest.fixture(scope="module")
def ca():
    return testkeys.make_ca()


@pytest.fixture(scope="module")
def client(ca):
    return testkeys.make_signer("rsa", ca=ca, name="Dana Example")


@pytest.fixture(scope="module")
def provider(ca):
    return testkeys.make_signer("ec", ca=ca, name="Example Provider SRL")


def asn1_key(key):
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def desktop_sign(pdf: bytes, signer, field: str, reason: str = "I agree",
                 timestamper=None) -> bytes:
    """What a desktop tool does: an incremental update with a PAdES signature (and, with
    a timestamper, a document timestamp after it, as tools that sign at B-LTA do)."""
    key, cert, ca = signer
    pyhanko_signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(ca.certificate_der)]),
    )
    meta = signers.PdfSignatureMetadata(field_name=field, reason=reason,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()

    async def _sign():
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        await signers.PdfSigner(meta, signer=pyhanko_signer).async_sign_pdf(writer, output=out)
        if timestamper is not None:
            stamped = io.BytesIO()
            await signers.PdfTimeStamper(timestamper).async_timestamp_pdf(
                IncrementalPdfFileWriter(io.BytesIO(out.getvalue())), "sha256",
                validation_context=ValidationContext(
                    allow_fetching=False,
                    trust_roots=[asn1_x509.Certificate.load(ca.certificate_der)]),
                output=stamped)
            out.seek(0)
            out.truncate()
            out.write(stamped.getvalue())

    run(_sign())
    return out.getvalue()


def p7s(data: bytes, signer, *, detached=True, pem=False) -> bytes:
    key, cert, ca = signer
    options = [pkcs7.PKCS7Options.Binary]
    if detached:
        options.append(pkcs7.PKCS7Options.DetachedSignature)
    builder = (pkcs7.PKCS7SignatureBuilder().set_data(data)
               .add_signer(cert, key, hashes.SHA256()).add_certificate(ca.certificate))
    return builder.sign(serialization.Encoding.PEM if pem else serialization.Encoding.DER, options)


# --- signed PDFs ----------------------------------------------------------------

def test_a_pdf_signed_by_a_desktop_tool(client):
    original = tiny_pdf()
    info = uploads.check_signed_pdf(original, desktop_sign(original, client, "Client"),
                                    field_name="Client")
    assert info.subject == "CN=Dana Example,O=Example Client Ltd,C=RO"
    assert info.issuer == "CN=Example Test Signing CA,O=Example Signing Test,C=RO"
    assert info.serial == format(client[1].serial_number, "X")
    assert info.method == "uploaded_pdf"
    assert info.signed_at is not None and info.signed_at.tzinfo is not None
    assert info.certificate_der == client[1].public_bytes(serialization.Encoding.DER)
    assert info.common_name == "Dana Example"


def test_a_signature_followed_by_a_document_timestamp(client, ca):
    from pyhanko.sign.timestamps import DummyTimeStamper

    tsa_key, tsa_cert, _ = testkeys.make_signer("rsa", ca=ca, name="Example TSA", tsa=True)
    timestamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_key(tsa_key))
    original = tiny_pdf()
    signed = desktop_sign(original, client, "Client", timestamper=timestamper)
    assert b"/DocTimeStamp" in signed
    info = uploads.check_signed_pdf(original, signed, field_name="Client")
    assert info.subject.startswith("CN=Dana Example")
    # A byte of the timestamp token changed: the timestamp no longer verifies.
    at = signed.rindex(b"/Contents <") + len(b"/Contents <") + 1200
    broken = signed[:at] + (b"0" if signed[at:at + 1] != b"0" else b"1") + signed[at + 1:]
    with pytest.raises(Refused, match="signature in this PDF is broken"):
        uploads.check_signed_pdf(original, broken, field_name="Client")


def test_the_new_signature_is_found_after_the_providers(client, provider):
    original = desktop_sign(tiny_pdf(), provider, "Provider")
    signed = desktop_sign(original, client, "Client")
    info = uploads.check_signed_pdf(original, signed, field_name="Client")
    assert info.subject.startswith("CN=Dana Example")


@pytest.mark.parametrize("upload,message", [
    (b"GIF89a not a pdf at all", "not a PDF"),
    (b"", "not a PDF"),
    (b"%PDF-1.7\n" + b"\x00" * 50, "not the document you were asked to sign"),
])
def test_uploads_that_are_not_our_pdf(upload, message):
    with pytest.raises(Refused, match=message):
        uploads.check_signed_pdf(tiny_pdf(), upload, field_name="Client")


def test_a_pdf_signed_over_a_different_document(client):
    other = desktop_sign(tiny_pdf("Another contract, 2026-002"), client, "Client")
    with pytest.raises(Refused, match="not the document you were asked to sign"):
        uploads.check_signed_pdf(tiny_pdf(), other, field_name="Client")


def test_our_pdf_without_a_new_signature(provider):
    original = desktop_sign(tiny_pdf(), provider, "Provider")
    with pytest.raises(Refused, match="no new signature"):
        uploads.check_signed_pdf(original, original, field_name="Client")
    # An incremental update that adds no signature.
    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    writer.root["/Lang"] = writer.root.get("/Lang", None) or __import__(
        "pyhanko.pdf_utils.generic", fromlist=["x"]).TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(original) and len(out.getvalue()) > len(original)
    with pytest.raises(Refused, match="no new signature"):
        uploads.check_signed_pdf(original, out.getvalue(), field_name="Client")


def test_a_signed_pdf_changed_afterwards(client):
    original = tiny_pdf()
    signed = desktop_sign(original, client, "Client", reason="I agree")
    tampered = signed.replace(b"I agree", b"I agreX")
    assert tampered != signed
    with pytest.raises(Refused, match="signature in this PDF is broken"):
        uploads.check_signed_pdf(original, tampered, field_name="Client")


def test_a_200_mb_upload_is_refused_before_it_is_read():
    original = tiny_pdf()
    huge = bytes(200 * 1024 * 1024)  # zero pages: cheap to make
    with pytest.raises(Refused, match="too large") as caught:
        uploads.check_signed_pdf(original, huge, field_name="Client")
    assert caught.value.status == 413


# --- detached .p7s ----------------------------------------------------------------

@pytest.mark.parametrize("pem", [False, True])
def test_a_detached_p7s_of_our_pdf(client, pem):
    original = tiny_pdf()
    info = uploads.check_p7s(original, p7s(original, client, pem=pem))
    assert info.subject.startswith("CN=Dana Example")
    assert info.method == "p7s"
    assert info.serial == format(client[1].serial_number, "X")


def test_an_ec_p7s(provider):
    original = tiny_pdf()
    assert uploads.check_p7s(original, p7s(original, provider)).subject.startswith(
        "CN=Example Provider SRL")


def test_a_p7s_of_other_bytes(client):
    original = tiny_pdf()
    with pytest.raises(Refused, match="made for other content"):
        uploads.check_p7s(original, p7s(tiny_pdf("Another contract"), client))
    with pytest.raises(Refused, match="made for other content"):
        uploads.check_p7s(original, p7s(original + b"\n", client))
    # Content carried inside the signature must be our bytes as well.
    with pytest.raises(Refused, match="made for other content"):
        uploads.check_p7s(original, p7s(b"something else", client, detached=False))
    assert uploads.check_p7s(original, p7s(original, client, detached=False))


@pytest.mark.parametrize("garbage", [b"", b"hello", b"\x30\x03\x02\x01\x01",
                                     b"-----BEGIN PKCS7-----\n!!!\n-----END PKCS7-----\n",
                                     tiny_pdf()])
def test_garbage_instead_of_a_p7s(garbage):
    with pytest.raises(Refused, match="not a signature file"):
        uploads.check_p7s(tiny_pdf(), garbage)


def test_a_large_p7s_is_refused(client):
    with pytest.raises(Refused, match="too large"):
        uploads.check_p7s(tiny_pdf(), b"\x30" + b"\x00" * (2 * 1024 * 1024))


def test_a_p7s_whose_signature_was_altered(client):
    original = tiny_pdf()
    good = bytearray(p7s(original, client))
    # The RSA signature value is the last 256 bytes of the SignerInfo, at the end.
    good[-10] ^= 0xFF
    with pytest.raises(Refused, match="does not match its certificate"):
        uploads.check_p7s(original, bytes(good))


def test_a_signature_in_another_field_or_two_signatures(client):
    original = tiny_pdf()
    with pytest.raises(Refused, match="another signer's place"):
        uploads.check_signed_pdf(original, desktop_sign(original, client, "Someone else"),
                                 field_name="Client")
    twice = desktop_sign(desktop_sign(original, client, "Client"), client, "Someone else")
    with pytest.raises(Refused, match="another signer's place"):
        uploads.check_signed_pdf(original, twice, field_name="Client")
