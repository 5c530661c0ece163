"""Who signed: what the checks of this package return about a signature."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509

# SignerInfo.method: how the signature was made.
BROWSER_CERTIFICATE = "certificate"  # PAdES, the key opened in the browser (pades)
UPLOADED_PDF = "uploaded_pdf"  # a PDF signed by the signer's desktop tool (uploads)
DETACHED_P7S = "p7s"  # a detached CAdES .p7s of our PDF (uploads)
DSTU_P7S = "dstu_p7s"  # a DSTU 4145 detached signature (dstu)


@dataclass(frozen=True)
class SignerInfo:
    """The signer's certificate and the time the signature claims.

    ``subject`` and ``issuer`` are RFC 4514 strings ("CN=Dana Example,O=…,C=RO"),
    ``serial`` the certificate's serial number in upper-case hex, ``signed_at`` an
    aware datetime (the signing time the signature carries; None if it has none),
    ``method`` one of the constants above.
    """

    subject: str
    issuer: str
    serial: str
    signed_at: dt.datetime | None
    method: str
    certificate_der: bytes

    @property
    def common_name(self) -> str:
        cert = x509.load_der_x509_certificate(self.certificate_der)
        names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.subject

    @classmethod
    def from_certificate(cls, der: bytes, *, method: str,
                         signed_at: dt.datetime | None = None) -> SignerInfo:
        cert = x509.load_der_x509_certificate(bytes(der))
        if signed_at is not None and signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=dt.UTC)
        names = {x509.NameOID.SERIAL_NUMBER: "serialNumber"}
        return cls(subject=cert.subject.rfc4514_string(names),
                   issuer=cert.issuer.rfc4514_string(names),
                   serial=format(cert.serial_number, "X"), signed_at=signed_at, method=method,
                   certificate_der=bytes(der))
