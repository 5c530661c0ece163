#!/usr/bin/env python3
"""Print one value of the deployment profile (bench.cfg), the environment winning.

    scripts/profile.py port      -> 8000
"""

import configparser
import os
import sys
from pathlib import Path

ENV_NAMES = {"sites_dir": "CLIENT_PORTAL_SITES_DIR", "default_site": "CLIENT_PORTAL_SITE"}


def profile_value(key: str) -> str:
    """The profile's ``key``: its environment variable if set, else bench.cfg's [deploy]."""
    env = os.environ.get(ENV_NAMES.get(key, key.upper()))
    if env:
        return env
    parser = configparser.ConfigParser()
    parser.read(Path(__file__).resolve().parent.parent / "bench.cfg")
    if not parser.has_option("deploy", key):
        raise KeyError(f"bench.cfg has no [deploy] {key}")
    return parser.get("deploy", key)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(profile_value(sys.argv[1]))
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
