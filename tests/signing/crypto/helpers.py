"""Small PDFs and a Python stand-in for the browser's WebCrypto signing."""

from __future__ import annotations

import base64
import io
import subprocess

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from apps.client_portal.documents.signing.crypto.pades import run


def tiny_pdf(text: str = "Service contract 2026-001, Example Client Ltd") -> bytes:
    """A one-page PDF with ``text`` on it, xref table and all (a few hundred bytes)."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def open_p12(data: bytes, password: str):
    key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode())
    from cryptography.hazmat.primitives.serialization import Encoding

    return key, [c.public_bytes(Encoding.DER) for c in [cert, *extra]]


def webcrypto_sign(key, to_sign_b64: str, *, raw_ec: bool = True) -> bytes:
    """Sign like the browser: SHA-256, PKCS#1 v1.5 or ECDSA (raw r||s unless ``raw_ec``)."""
    data = base64.b64decode(to_sign_b64)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    der = key.sign(data, ec.ECDSA(hashes.SHA256()))
    if not raw_ec:
        return der
    size = (key.curve.key_size + 7) // 8
    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def validate_all(pdf: bytes, trust_der: bytes):
    """pyHanko's status of every signature in ``pdf``, trusting ``trust_der``."""
    reader = PdfFileReader(io.BytesIO(pdf))
    vc = ValidationContext(trust_roots=[asn1_x509.Certificate.load(trust_der)],
                           allow_fetching=False, revocation_mode="soft-fail")

    async def _all():
        return [await async_validate_pdf_signature(sig, vc) for sig in reader.embedded_signatures]

    return run(_all())


def pdfsig(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True,
                          timeout=30)
    return done.stdout + done.stderr
