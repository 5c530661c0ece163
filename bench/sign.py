"""Sealing a signed PDF at PAdES B-LTA, against pyHanko's plain signature, side by side.

Run from the project root:  .venv/bin/python bench/sign.py [runs]

The document is a 3-page PDF prepared as the site prepares every request (the
evidence page appended, the provider's certification), in a throwaway signing
folder (its own demo CA, provider key and local timestamp authority on the
loopback). Each round, in alternating order:

* ``seal``: ``signing.pdf.seal``, what the site does last: the evidence fields
  filled, the provider's signature with a timestamp from the TSA, the validation
  data embedded (DSS) and a document timestamp (B-LTA);
* ``plain``: pyHanko's plain B-B signature of the same PDF with the same key
  (``signers.sign_pdf`` with a stock ``SimpleSigner`` loaded from the same
  PKCS#12), no timestamp, no validation data;
* ``plain-kept``: the floor of the verdict, the same plain B-B signature with the
  site's signer (the key loaded once, as ``keys.material()`` keeps it): pyHanko's
  stock signer re-reads and re-checks its RSA key on every signature, which the
  seal does not pay, so the fair floor does not pay it either;
* ``validate``: the sealed file validated as the verification page does
  (``signing.pdf.verify``: every signature and the document timestamp).

Medians after 2 warm-up rounds. The verdict is the sealing throughput against
the plain signature's, ``plain_kept_median / seal_median``: 0.5 or more means a seal
costs at most twice a bare signature although it calls the TSA twice and embeds
the validation data.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import cpu_count, load_average, verdict_line  # noqa: E402

TARGET = 0.5


def setup(folder: str):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    import django

    django.setup()
    from django.conf import settings

    settings.SIGNING_DIR = folder
    settings.SIGNING_PKCS12_PATH = ""
    settings.SIGNING_TSA_URL = ""


def main(runs: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-sign-") as folder:
        setup(folder)
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers

        from apps.client_portal.documents.signing import keys, pdf, tsa

        keys.reset()
        keys.material()
        tsa.url()
        text = ["A fictional service contract for the benchmark. " * 6] * 12
        source = pdf.simple_pdf("Service contract (benchmark)", text, pages=3)
        prepared = pdf.prepare(source, title="Service contract", reference="BENCH-1",
                               verify_url="http://localhost/verify/",
                               slots=[("signer-1-1", "Step 1: client")])
        signed = pdf.sign_for(prepared, field="signer-1-1", signer_name="Dana Example",
                              reason="Signed", when="2026-12-01 10:00:00 UTC")
        evidence = "Document ID: BENCH-1\n" + "\n".join(f"{n}. event" for n in range(20))
        password = (Path(folder) / "provider.password").read_text().strip()
        plain_signer = signers.SimpleSigner.load_pkcs12(
            str(Path(folder) / "provider.p12"), passphrase=password.encode())

        kept_signer = keys.material().signer

        def plain_kept():
            out = io.BytesIO()
            signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(signed), strict=False),
                             signers.PdfSignatureMetadata(field_name="provider-seal"),
                             signer=kept_signer, output=out)
            return out.getvalue()

        def seal():
            return pdf.seal(signed, evidence=evidence)

        def plain():
            out = io.BytesIO()
            signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(signed), strict=False),
                             signers.PdfSignatureMetadata(field_name="provider-seal"),
                             signer=plain_signer, output=out)
            return out.getvalue()

        sealed = seal()
        checks = pdf.verify(sealed)
        if not checks or not all(c["intact"] and c["trusted"] for c in checks):
            print("the sealed PDF does not validate:", checks, file=sys.stderr)
            return 1
        times = {"seal": [], "plain": [], "plain-kept": [], "validate": []}
        for index in range(runs + 2):
            order = [("seal", seal), ("plain", plain), ("plain-kept", plain_kept)]
            if index % 2:
                order.reverse()
            round_times = {}
            for name, job in order:
                started = time.perf_counter()
                job()
                round_times[name] = time.perf_counter() - started
            started = time.perf_counter()
            pdf.verify(sealed)
            round_times["validate"] = time.perf_counter() - started
            if index >= 2:
                for name, value in round_times.items():
                    times[name].append(value)
        med = {name: statistics.median(values) for name, values in times.items()}
        print(f"# 3-page PDF, {len(source)} bytes; sealed {len(sealed)} bytes, "
              f"{len(checks)} signatures; {runs} rounds; {cpu_count()} CPUs, "
              f"load {load_average()}")
        for name in ("seal", "plain", "plain-kept", "validate"):
            print(f"{name:>10}: median {med[name] * 1000:7.1f} ms  "
                  f"({1 / med[name]:6.1f} per second)")
        print(f"# against the stock signer: {med['plain'] / med['seal']:.2f} "
              "(information)")
        print(verdict_line("sign", med["plain-kept"] / med["seal"], TARGET))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
