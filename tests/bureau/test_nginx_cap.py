"""nginx's request-body cap admits the bureau's debt import (larger than other uploads)."""

import importlib.util
import re
from pathlib import Path

from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "deploy" / "render_nginx.py"


def _module():
    spec = importlib.util.spec_from_file_location("render_nginx", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cap(tmp_path, *extra) -> int:
    rn = _module()
    args = rn.parser().parse_args(["--listen", "127.0.0.1:8000", "--upstream", "127.0.0.1:9000",
                                   "--static-root", str(tmp_path / "static"),
                                   "--prefix", str(tmp_path), *extra])
    values, flags = rn.values_from_args(args)
    conf = rn.render(rn.TEMPLATE.read_text(), values, flags)
    size = re.search(r"client_max_body_size (\d+)([km]);", conf)
    return int(size.group(1)) * {"k": 1024, "m": 1024 * 1024}[size.group(2)]


def test_the_body_cap_admits_the_largest_upload_the_site_takes(tmp_path):
    mib = 1024 * 1024
    # The defaults are the settings' own: the bureau's 50 MiB import fits through.
    default = _cap(tmp_path, "--upload-max-bytes", str(settings.FILE_UPLOAD_MAX_BYTES),
                   "--bureau-import-max-bytes", str(settings.BUREAU_IMPORT_MAX_BYTES))
    assert default >= settings.BUREAU_IMPORT_MAX_BYTES + mib
    assert default >= settings.FILE_UPLOAD_MAX_BYTES + mib
    # Whichever is larger sets the cap; the other one never lowers it.
    assert _cap(tmp_path, "--upload-max-bytes", str(30 * mib),
                "--bureau-import-max-bytes", str(5 * mib)) == 31 * mib
    assert _cap(tmp_path, "--upload-max-bytes", str(20 * mib),
                "--bureau-import-max-bytes", str(50 * mib)) == 51 * mib
