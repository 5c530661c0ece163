"""Interrupted PAdES signing: the server prepares, the "browser" (here Python) signs."""

import base64
import copy
import datetime as dt
import io
import json
import shutil

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from apps.client_portal.core.errors import Refused
from apps.client_portal.documents.signing.crypto import pades, testkeys
from apps.client_portal.documents.signing.crypto.pades import run
from tests.signing.crypto.helpers import open_p12, pdfsig, tiny_pdf, validate_all, webcrypto_sign

PASSWORD = "Test-sign-2026"
needs_pdfsig = pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler's pdfsig missing")


@pytest.fixture(scope="module")
def ca():
    return testkeys.make_ca()


@pytest.fixture(scope="module")
def keys(ca):
    """kind -> (private key, [signer cert DER, CA DER]) read back from a PKCS#12 file."""
    return {kind: open_p12(testkeys.make_pkcs12(kind, PASSWORD, ca=ca), PASSWORD)
            for kind in testkeys.KINDS}


def sign(pdf, key_and_certs, field="ClientSignature", **kwargs):
    key, certs = key_and_certs
    state = pades.prepare(pdf, field_name=field, certs_der=certs, reason="Agreed", name="Dana")
    state = json.loads(json.dumps(state))  # survives storage as JSON
    return pades.finish(state, webcrypto_sign(key, state["to_sign"], **kwargs))


@pytest.mark.parametrize("kind,expected", [("rsa", ("RSA", None)), ("ec", ("EC", "P-256")),
                                           ("ec384", ("EC", "P-384"))])
def test_prepare_says_what_the_browser_signs(keys, kind, expected):
    pdf = tiny_pdf()
    state = pades.prepare(pdf, field_name="Sig1", certs_der=keys[kind][1])
    assert (state["key_type"], state["curve"]) == expected
    assert state["hash"] == "SHA-256"
    to_sign = base64.b64decode(state["to_sign"])
    assert to_sign[0] == 0x31  # the DER SET of signed attributes
    prepared = base64.b64decode(state["pdf"])
    assert prepared.startswith(pdf)  # an incremental update of our bytes


@pytest.mark.parametrize("kind,raw", [("rsa", True), ("ec", True), ("ec", False),
                                      ("ec384", True)])
def test_signed_pdf_validates_in_pyhanko(keys, ca, kind, raw):
    pdf = tiny_pdf()
    signed = sign(pdf, keys[kind], raw_ec=raw)
    assert signed.startswith(pdf)
    [status] = validate_all(signed, ca.certificate_der)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Dana Example"
    assert status.md_algorithm == "sha256"
    assert b"/ETSI.CAdES.detached" in signed
    info = pades.signer_info(signed, "ClientSignature")
    assert (info.common_name, info.method) == ("Dana Example", "certificate")
    assert abs((dt.datetime.now(dt.UTC) - info.signed_at).total_seconds()) < 60


@needs_pdfsig
def test_second_signature_keeps_the_first_valid(keys, ca, tmp_path):
    pdf = tiny_pdf()
    first = sign(pdf, keys["rsa"], field="First")
    second = sign(first, keys["ec"], field="Second")
    assert second.startswith(first)
    statuses = validate_all(second, ca.certificate_der)
    assert len(statuses) == 2
    assert all(s.intact and s.valid and s.trusted for s in statuses)
    report = pdfsig(second, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "Signature #2" in report


@needs_pdfsig
def test_pdfsig_notices_a_changed_byte(keys, tmp_path):
    signed = bytearray(sign(tiny_pdf(), keys["rsa"]))
    at = signed.index(b"Service contract") + 3
    signed[at] ^= 0x01
    report = pdfsig(bytes(signed), tmp_path)
    assert "Signature #1" in report and "Signature is Valid" not in report, report
    assert "Digest Mismatch" in report, report


def test_a_signature_by_another_key_is_refused(keys):
    state = pades.prepare(tiny_pdf(), field_name="Sig", certs_der=keys["rsa"][1])
    other_key = keys["ec"][0]
    with pytest.raises(Refused, match="does not match your certificate"):
        pades.finish(state, webcrypto_sign(other_key, state["to_sign"]))
    with pytest.raises(Refused, match="does not match your certificate"):
        pades.finish(state, b"\x00" * 256)
    with pytest.raises(Refused, match="does not match your certificate"):
        pades.finish(state, b"")


def test_a_signature_over_other_attributes_is_refused(keys):
    key, certs = keys["ec"]
    state = pades.prepare(tiny_pdf(), field_name="Sig", certs_der=certs)
    other = pades.prepare(tiny_pdf("Another document"), field_name="Sig", certs_der=certs)
    with pytest.raises(Refused, match="does not match your certificate"):
        pades.finish(state, webcrypto_sign(key, other["to_sign"]))


@pytest.mark.parametrize("field,value", [
    ("pdf", lambda s: base64.b64encode(base64.b64decode(s).replace(b"Service", b"Servixe"))
     .decode()),
    ("to_sign", lambda s: s[:-8] + "AAAAAAA="),
    ("certs", lambda c: list(reversed(c))),
    ("reserved", lambda r: [r[0] + 2, r[1]]),
    ("mac", lambda m: "0" * len(m)),
    ("prepared_at", lambda t: t + 3600),
    ("v", lambda v: 99),
])
def test_a_changed_state_is_refused(keys, field, value):
    key, certs = keys["rsa"]
    state = pades.prepare(tiny_pdf(), field_name="Sig", certs_der=certs)
    signature = webcrypto_sign(key, state["to_sign"])
    tampered = copy.deepcopy(state)
    tampered[field] = value(tampered[field])
    with pytest.raises(Refused, match="signing session is not valid"):
        pades.finish(tampered, signature)
    assert pades.finish(state, signature)  # the untouched state still works


def test_an_old_state_is_refused(keys, monkeypatch):
    key, certs = keys["ec"]
    state = pades.prepare(tiny_pdf(), field_name="Sig", certs_der=certs)
    signature = webcrypto_sign(key, state["to_sign"])
    later = pades.time.time() + pades.MAX_STATE_AGE.total_seconds() + 5
    monkeypatch.setattr(pades.time, "time", lambda: later)
    with pytest.raises(Refused, match="signing session has expired"):
        pades.finish(state, signature)


def test_a_state_that_is_not_ours_is_refused():
    for state in (None, {}, {"v": 1}, {"v": 1, "mac": 5}, "text"):
        with pytest.raises(Refused, match="signing session is not valid"):
            pades.finish(state, b"x")


def test_bad_inputs_to_prepare(keys, ca):
    certs = keys["rsa"][1]
    with pytest.raises(Refused, match="not a PDF"):
        pades.prepare(b"hello", field_name="Sig", certs_der=certs)
    with pytest.raises(Refused, match="No certificate"):
        pades.prepare(tiny_pdf(), field_name="Sig", certs_der=[])
    with pytest.raises(Refused, match="cannot be read"):
        pades.prepare(tiny_pdf(), field_name="Sig", certs_der=[b"garbage"])
    with pytest.raises(Refused, match="cannot be signed"):
        pades.prepare(b"%PDF-1.7\nnot really\n", field_name="Sig", certs_der=certs)


def test_expired_and_unsupported_certificates_are_refused(ca):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    key, cert, _ = testkeys.make_signer("rsa", ca=ca)
    expired = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(cert.issuer)
               .public_key(key.public_key()).serial_number(7)
               .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
               .not_valid_after(dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
               .sign(ca.key, hashes.SHA256()))
    with pytest.raises(Refused, match="expired on 2021-01-01"):
        pades.prepare(tiny_pdf(), field_name="Sig",
                      certs_der=[expired.public_bytes(serialization.Encoding.DER)])
    ed = ed25519.Ed25519PrivateKey.generate()
    ed_cert = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(cert.issuer)
               .public_key(ed.public_key()).serial_number(8)
               .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
               .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
               .sign(ca.key, hashes.SHA256()))
    with pytest.raises(Refused, match="RSA key or an ECDSA key"):
        pades.prepare(tiny_pdf(), field_name="Sig",
                      certs_der=[ed_cert.public_bytes(serialization.Encoding.DER)])


def test_an_empty_field_made_beforehand_is_filled(keys, ca):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    writer = IncrementalPdfFileWriter(io.BytesIO(tiny_pdf()))
    fields.append_signature_field(writer, fields.SigFieldSpec(
        "ClientSignature", box=(72, 600, 272, 660)))
    out = io.BytesIO()
    writer.write(out)
    with_field = out.getvalue()
    signed = sign(with_field, keys["ec"], field="ClientSignature")
    [status] = validate_all(signed, ca.certificate_der)
    assert status.intact and status.valid and status.trusted


def test_after_the_providers_certification_the_client_signs(keys, ca, tmp_path):
    """The provider certifies first (DocMDP: form filling and signing allowed), then the
    client signs through the browser flow: both stay valid, the change is allowed."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    provider_key, provider_cert, _ = testkeys.make_signer("rsa", ca=ca,
                                                          name="Example Provider SRL")
    provider = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(
            provider_cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(provider_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(ca.certificate_der)]))
    meta = signers.PdfSignatureMetadata(
        field_name="Provider", certify=True, docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()

    async def _certify():
        writer = IncrementalPdfFileWriter(io.BytesIO(tiny_pdf()))
        await signers.PdfSigner(meta, signer=provider).async_sign_pdf(writer, output=out)

    run(_certify())
    certified = out.getvalue()
    signed = sign(certified, keys["rsa"], field="ClientSignature")
    statuses = validate_all(signed, ca.certificate_der)
    assert len(statuses) == 2
    assert all(s.intact and s.valid and s.trusted for s in statuses)
    assert all(s.docmdp_ok is not False for s in statuses)
    if shutil.which("pdfsig"):
        report = pdfsig(signed, tmp_path)
        assert report.count("Signature Validation: Signature is Valid.") == 2, report


def test_no_signing_after_a_certification_that_forbids_changes(keys, ca):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    key, cert, _ = testkeys.make_signer("ec", ca=ca, name="Example Provider SRL")
    provider = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=None)
    meta = signers.PdfSignatureMetadata(
        field_name="Provider", certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()

    async def _certify():
        writer = IncrementalPdfFileWriter(io.BytesIO(tiny_pdf()))
        await signers.PdfSigner(meta, signer=provider).async_sign_pdf(writer, output=out)

    run(_certify())
    with pytest.raises(Refused, match="cannot be signed"):
        pades.prepare(out.getvalue(), field_name="ClientSignature", certs_der=keys["rsa"][1])
