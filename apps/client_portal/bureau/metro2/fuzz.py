"""Fuzz the Metro 2 reader with atheris: any exception but ``Metro2Error`` is a bug.

    .venv/bin/python -m apps.client_portal.bureau.metro2.fuzz -max_total_time=600 [corpus dir]

With no corpus directory given, the public samples in tests/bureau/metro2_corpus
(and broken files from the generator) seed a temporary one. libFuzzer's options
(-runs, -max_total_time, -max_len) pass through. The test suite runs it for a
few seconds (tests/bureau/test_metro2_fuzz.py); ``make fuzz`` for minutes.
"""

import contextlib
import io
import sys
import tempfile
from pathlib import Path

import atheris

from apps.client_portal.bureau.metro2 import reader, writer

# ``python -m`` has imported the package (and the reader) before this module runs,
# so instrument_imports() would be too late: instrument the reader's functions here.
for _name in dir(reader):
    _obj = getattr(reader, _name)
    if callable(_obj) and getattr(_obj, "__module__", None) == reader.__name__:
        if isinstance(_obj, type):
            for _attr, _meth in vars(_obj).items():
                if callable(_meth) and hasattr(_meth, "__code__"):
                    setattr(_obj, _attr, atheris.instrument_func(_meth))
        elif hasattr(_obj, "__code__"):
            setattr(reader, _name, atheris.instrument_func(_obj))

SAMPLES = Path(__file__).resolve().parents[4] / "tests" / "bureau" / "metro2_corpus"


def test_one_input(data: bytes):
    try:
        for _record in reader.read(io.BytesIO(data), max_bytes=1 << 20):
            pass
    except reader.Metro2Error:
        pass
    with contextlib.suppress(reader.Metro2Error):
        reader.read_base(data)


def seed_corpus() -> str:
    folder = Path(tempfile.mkdtemp(prefix="metro2-fuzz-"))
    for path in list(SAMPLES.glob("*.dat")) + list(SAMPLES.glob("bad/*.dat")):
        (folder / path.name).write_bytes(path.read_bytes())
    for packed in (False, True):
        for blocked in (False, True):
            data = writer.write([writer.sample_account(i) for i in range(2)], packed=packed,
                                blocked=blocked)
            (folder / f"gen-{int(packed)}{int(blocked)}.dat").write_bytes(data)
    for defect in writer.DEFECTS:
        (folder / f"broken-{defect}.dat").write_bytes(writer.broken(defect, records=1)[0])
    return str(folder)


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    if not any(not a.startswith("-") for a in argv[1:]):
        argv.append(seed_corpus())
    if not any(a.startswith("-artifact_prefix=") for a in argv[1:]):
        argv.insert(1, f"-artifact_prefix={tempfile.gettempdir()}/metro2-crash-")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
