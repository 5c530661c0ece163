"""Helpers of the signing tests: a request on a small PDF, a drawn signature, pdfsig."""

import io
import subprocess

from PIL import Image, ImageDraw

from apps.client_portal.core.tenancy import Role
from apps.client_portal.documents.services import store_bytes
from apps.client_portal.documents.signing import pdf, services
from apps.client_portal.documents.signing.models import ConsentText


def drawn_png() -> bytes:
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 70), (290, 15)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def make_request(demo, steps=None, org="northwind", pages=1):
    organization = demo.organizations[org]
    data = pdf.simple_pdf("Test contract", ["A test document."], pages=pages)
    document = store_bytes(organization=organization, data=data, name="test-contract.pdf",
                           kind="contract", title="Test contract", content_type="application/pdf")
    return services.request_signatures(
        document, title="Test contract",
        signers=steps or [[{"role": Role.OWNER}], [{"user": demo.users["manager"]}]],
        by=demo.users["admin"])


def consent_hash() -> str:
    consent = services.current_consent("en")
    return consent.sha256 if consent else ""


def pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    run = subprocess.run(["/usr/bin/pdfsig", str(path)], capture_output=True, text=True,
                         timeout=60)
    return run.stdout + run.stderr


def signature_blocks(report: str) -> dict:
    """pdfsig's report as {field name: validation line}."""
    blocks, name = {}, None
    for line in report.splitlines():
        line = line.strip()
        if line.startswith("- Signature Field Name:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("- Signature Validation:") and name:
            blocks[name] = line.split(":", 1)[1].strip()
    return blocks


__all__ = ["ConsentText", "pdf"]
