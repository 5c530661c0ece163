"""Signatures made with the signer's own key: in the browser, uploaded, or DSTU 4145.

Modules:

- ``pades``: interrupted PAdES signing. ``prepare(pdf, field_name=..., certs_der=[...])``
  returns a JSON-serialisable state (with an HMAC; keep it on the server, e.g. on the
  signature request, between the two calls: it holds the prepared PDF, a few kB over the
  PDF's size in base64); the browser signs ``state["to_sign"]``; ``finish(state,
  signature)`` embeds it and returns the signed PDF (incremental update; earlier
  signatures stay valid). ``signer_info(signed_pdf, field_name)`` says who signed.
- ``uploads``: ``check_signed_pdf(original, uploaded)`` (our PDF signed by a desktop
  tool) and ``check_p7s(original, p7s)`` (a detached CAdES .p7s of our PDF; DSTU ones go
  to ``dstu``). Both return a ``SignerInfo``.
- ``dstu``: DSTU 4145 signatures verified by ``node signing/node/verify.js`` (jkurwa);
  ``available()`` is False without Node.js or without ``signing/node/setup.sh``.
- ``info``: ``SignerInfo(subject, issuer, serial, signed_at, method, certificate_der)``.
- ``messages``: certsign.js's texts through gettext (``data_attributes()``).
- ``testkeys``: a test CA and PKCS#12 files for tests and the demo (never production).

Everything refuses bad input with ``core.errors.Refused`` and a message for the signer.

The browser side, ``static/signing/certsign.js`` (load ``signing/vendor/pkijs.bundle.js``
first, and ``signing/vendor/jkurwa.bundle.js`` for DSTU), as a page would use it::

    CertSign.sign({
      file: keyInput.files[0], password: passwordInput.value, messages: rootElement,
      prepare: (certsB64) => postJson(prepareUrl, {certs: certsB64}),   // -> state subset
      finish: (signatureB64) => postJson(finishUrl, {signature: signatureB64}),
    }).then(showResult, (err) => showError(err.message));              // err.code too

``prepare`` must answer at least ``to_sign``, ``hash`` and ``key_type`` of the state
(never the whole state: it carries the PDF). ``CertSign.signDstu({file, password, data,
certificates, messages})`` resolves with the .p7s bytes of ``data`` (upload them; the
server calls ``uploads.check_p7s``). tests/browser/test_signing_cert.py is a working page.
"""
