"""Signatures made with the signer's own key: PAdES through the browser, uploads, DSTU 4145.

- ``pades``: interrupted PAdES signing (the server prepares, the browser signs, the server embeds).
- ``uploads``: a PDF signed by a desktop tool, or a detached CAdES ``.p7s`` of our PDF.
- ``dstu``: DSTU 4145 signatures, verified by a small Node.js helper (jkurwa).
- ``testkeys``: PKCS#12 files for tests and the demo (never for production).
"""
