"""The texts certsign.js shows, translated on the server.

certsign.js carries English defaults; a page passes the reader's language's texts as
``data-msg-*`` attributes of the element it hands to ``CertSign.sign({messages: el})``:

    <div id="certsign"
         {% for name, text in certsign_messages.items %}{{ name }}="{{ text }}" {% endfor %}>

with ``certsign_messages = data_attributes()`` in the view's context (or pass
``browser_messages()`` through ``json_script`` and give the parsed object instead).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "wrong_password": _("The password does not open this key file."),
    "unreadable_file": _("This file is not a key file that can be read here (.p12 or .pfx)."),
    "legacy_file": _("This key file is protected with an old encryption (3DES or RC2) that "
                     "browsers cannot open. Export it again with AES encryption, or sign the "
                     "PDF with your desktop signing tool and upload it."),
    "no_key": _("No private key and matching certificate were found in the key file."),
    "unsupported_key": _("This kind of key cannot sign in the browser: use an RSA key or an "
                         "ECDSA key on the P-256 or P-384 curve."),
    "no_webcrypto": _("This browser cannot sign: it lacks Web Cryptography (use a current "
                      "browser over HTTPS)."),
    "failed": _("Signing failed. Please try again."),
    "dstu_unavailable": _("DSTU signing is not available on this page."),
}


def browser_messages() -> dict[str, str]:
    """``{code: text}`` in the active language, for ``CertSign.sign({messages})``."""
    return {code: str(text) for code, text in MESSAGES.items()}


def data_attributes() -> dict[str, str]:
    """``{"data-msg-wrong-password": text, ...}`` in the active language."""
    return {"data-msg-" + code.replace("_", "-"): str(text) for code, text in MESSAGES.items()}
