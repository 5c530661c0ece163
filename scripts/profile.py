#!/usr/bin/env python3
"""Print one value of the deployment profile (bench.cfg), the environment winning.

    scripts/profile.py port      -> 8000
"""

import configparser
import os
import sys
from pathlib import Path

ENV_NAMES = {"sites_dir": "CLIENT_PORTAL_SITES_DIR", "default_site": "CLIENT_PORTAL_SITE"}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    key = sys.argv[1]
    env = os.environ.get(ENV_NAMES.get(key, key.upper()))
    if env:
        print(env)
        return 0
    parser = configparser.ConfigParser()
    parser.read(Path(__file__).resolve().parent.parent / "bench.cfg")
    if not parser.has_option("deploy", key):
        print(f"bench.cfg has no [deploy] {key}", file=sys.stderr)
        return 1
    print(parser.get("deploy", key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
