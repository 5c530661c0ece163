"""Run every benchmark in bench/ and print each one's final line.

Run from the project root:  .venv/bin/python bench/run.py [name ...]

Every ``bench/<name>.py`` runs in turn with this interpreter, except helper
modules (``_*.py``) and this runner; a name on the command line runs only those.
A bench's own output goes by as it runs; a summary of the final lines
(``<name>: ratio=<x> target=<y> met|short``) follows. The exit status is 1 when
a bench fails (non-zero exit, or no such final line); "short" is a result, not
a failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
FINAL_LINE = re.compile(r"^(?P<name>[\w-]+): ratio=\S+ target=\S+ (met|short)$")


def benches(names: list[str]) -> list[Path]:
    found = sorted(
        p for p in BENCH_DIR.glob("*.py")
        if not p.name.startswith("_") and p.name != Path(__file__).name
    )
    if not names:
        return found
    wanted = {n.removesuffix(".py") for n in names}
    unknown = wanted - {p.stem for p in found}
    if unknown:
        raise SystemExit(f"no such bench: {', '.join(sorted(unknown))}")
    return [p for p in found if p.stem in wanted]


def run_one(path: Path) -> tuple[str | None, int, float]:
    """Run one bench, echoing its output; ``(final line or None, exit code, seconds)``."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    last = None
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.strip():
            last = line.strip()
    code = process.wait()
    final = last if last and FINAL_LINE.match(last) else None
    return final, code, time.monotonic() - started


def main(argv: list[str]) -> int:
    results = []
    for path in benches(argv[1:]):
        print(f">> {path.relative_to(ROOT)}", flush=True)
        final, code, seconds = run_one(path)
        ok = code == 0 and final is not None
        results.append((path.stem, final, code, seconds, ok))
        if not ok:
            print(f"!! {path.stem} failed (exit {code}"
                  + ("" if final else ", no final result line") + ")", flush=True)
    print()
    print("== results")
    for name, final, code, _seconds, ok in results:
        print(final if ok else f"{name}: ERROR (exit {code})")
    print("(" + ", ".join(f"{name} {seconds:.0f} s" for name, _f, _c, seconds, _ok in results)
          + ")")
    return 0 if all(ok for *_, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
