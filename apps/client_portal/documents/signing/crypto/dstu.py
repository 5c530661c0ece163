"""DSTU 4145 signatures (Ukraine), verified by a Node.js helper running jkurwa."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from apps.client_portal.core.errors import Refused

from .info import SignerInfo

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
HELPER = NODE_DIR / "verify.js"


def available() -> bool:
    """Node.js is on the PATH and the helper's packages are installed (setup.sh)."""
    return bool(shutil.which("node")) and HELPER.exists() and (NODE_DIR / "node_modules").is_dir()


def verify(data: bytes, p7s: bytes) -> SignerInfo:
    if not available():
        raise Refused(_("DSTU 4145 signatures cannot be checked on this site (it needs "
                        "Node.js and the signing helper). Please sign with an RSA or ECDSA "
                        "certificate, or contact us."), code="unavailable")
    raise Refused(_("DSTU 4145 signatures cannot be checked yet."), code="unavailable")
