"""DSTU 4145 signatures (Ukraine's national standard), checked by a Node.js helper.

Signing happens in the browser (certsign.js ``CertSign.signDstu`` with the vendored
jkurwa bundle) and yields a detached CMS signature (.p7s) of our PDF. The server checks
it with jkurwa too: ``node signing/node/verify.js``, one short process per check, JSON
over stdin/stdout. A site without Node.js (or without ``setup.sh`` run) refuses DSTU
signatures with a clear message; everything else works without Node.

Settings: ``SIGNING_NODE_BINARY`` (default: ``node`` on the PATH),
``SIGNING_NODE_TIMEOUT`` seconds (default 30).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.errors import Refused

from .info import DSTU_P7S, SignerInfo

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
HELPER = NODE_DIR / "verify.js"
MAX_DATA_BYTES = 100 * 1024 * 1024

_ERRORS = {
    "ESIGN": _("The DSTU signature does not match this document or its certificate."),
    "EOTHER": _("This signature file was made for other content than this document."),
    "ENODATA": _("This signature file was made for other content than this document."),
    "ENOCERT": _("The signature file does not include the signer's certificate."),
    "EPARSE": _("This file is not a signature file (.p7s) made by a signing tool."),
}


def _node() -> str | None:
    return shutil.which(getattr(settings, "SIGNING_NODE_BINARY", "node"))


def available() -> bool:
    """Node.js is there and the helper's packages are installed (signing/node/setup.sh)."""
    return bool(_node()) and HELPER.exists() and (NODE_DIR / "node_modules" / "jkurwa").is_dir()


def verify(data: bytes, p7s: bytes) -> SignerInfo:
    """The signer of ``p7s``, a DSTU 4145 signature of exactly ``data``."""
    if not available():
        raise Refused(_("DSTU 4145 signatures need Node.js on the server, which this site "
                        "does not have. Please sign with an RSA or ECDSA certificate, or "
                        "contact us."), code="unavailable")
    if len(data) > MAX_DATA_BYTES:
        raise Refused(_("The document is too large to check its signature."), code="too_large")
    request = json.dumps({"data": base64.b64encode(data).decode("ascii"),
                          "p7s": base64.b64encode(p7s).decode("ascii")})
    try:
        done = subprocess.run(  # noqa: S603 (fixed program and script, data on stdin)
            [_node(), str(HELPER)], input=request.encode("ascii"), capture_output=True,
            cwd=NODE_DIR, timeout=getattr(settings, "SIGNING_NODE_TIMEOUT", 30), check=False)
        answer = json.loads(done.stdout or b"{}")
    except (subprocess.TimeoutExpired, OSError, ValueError) as exc:
        raise Refused(_("The DSTU signature could not be checked just now. Please try again "
                        "in a few minutes."), code="unavailable") from exc
    if not answer.get("ok"):
        error = answer.get("error")
        if error not in _ERRORS:
            raise Refused(_("The DSTU signature could not be checked just now. Please try "
                            "again in a few minutes."), code="unavailable")
        raise Refused(_ERRORS[error], code="invalid")
    signed_at = None
    if answer.get("signing_time"):
        signed_at = dt.datetime.fromtimestamp(answer["signing_time"] / 1000, tz=dt.UTC)
    try:
        return SignerInfo.from_certificate(base64.b64decode(answer["certificate"]),
                                           method=DSTU_P7S, signed_at=signed_at)
    except (ValueError, KeyError) as exc:
        raise Refused(_ERRORS["ENOCERT"], code="invalid") from exc
