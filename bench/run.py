"""Run every benchmark in bench/ and print the verdict lines of each.

Run from the project root:  .venv/bin/python bench/run.py [name ...]

Every ``bench/<name>.py`` runs in turn with this interpreter, except helper
modules (``_*.py``) and this runner; a name on the command line runs only those.
A bench's own output goes by as it runs; a summary of its verdict lines
follows. A verdict line is ``<name>: ratio=<x> target=<y> met|short``; a bench
may print several (``list_page.list: ...``, ``list_page.shell: ...``), and the
summary shows all of them, in order. Its last line must be the verdict of the
bench's own name (``list_page: ...`` for ``list_page.py``). The exit status is 1
when a bench fails (non-zero exit, or a last line that is not its own
verdict); "short" is a result, not a failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VERDICT_LINE = re.compile(r"^(?P<name>[\w.-]+): ratio=\S+ target=\S+ (met|short)$")


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


def run_one(path: Path) -> tuple[list[str], bool, int, float]:
    """Run one bench, echoing its output.

    ``(verdict lines, whether the last line is the bench's own verdict, exit
    code, seconds)``.
    """
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    last = None
    verdicts = []
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.strip():
            last = line.strip()
            if VERDICT_LINE.match(last):
                verdicts.append(last)
    code = process.wait()
    final = VERDICT_LINE.match(last) if last else None
    return verdicts, bool(final and final["name"] == path.stem), code, time.monotonic() - started


def main(argv: list[str]) -> int:
    results = []
    for path in benches(argv[1:]):
        print(f">> {path.relative_to(ROOT)}", flush=True)
        verdicts, final, code, seconds = run_one(path)
        ok = code == 0 and final
        results.append((path.stem, verdicts, code, seconds, ok))
        if not ok:
            print(f"!! {path.stem} failed (exit {code}"
                  + ("" if final else f", last line not '{path.stem}: ratio=...'") + ")",
                  flush=True)
    print()
    print("== results")
    for name, verdicts, code, _seconds, ok in results:
        if ok:
            print("\n".join(verdicts))
        else:
            print(f"{name}: ERROR (exit {code})")
    print("(" + ", ".join(f"{name} {seconds:.0f} s" for name, _v, _c, seconds, _ok in results)
          + ")")
    return 0 if all(ok for *_, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
