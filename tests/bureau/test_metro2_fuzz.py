"""A short, bounded atheris run over the Metro 2 reader (the long one: ``make fuzz``)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fuzz_briefly():
    proc = subprocess.run(
        [sys.executable, "-m", "apps.client_portal.bureau.metro2.fuzz",
         "-max_total_time=4", "-rss_limit_mb=1024", "-max_len=4096"],
        cwd=ROOT, capture_output=True, text=True, timeout=90,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert re.search(r"Done \d+ runs", output), output[-2000:]
