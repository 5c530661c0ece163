"""Strict readers for configuration.

Configuration comes from environment variables first, then from the site's
``sites/<site>/site_config.json``, then from the default given here. A value
that cannot be read raises ``ImproperlyConfigured`` at start-up instead of
being silently ignored.
"""

import configparser
import json
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# The deployment profile (bench.cfg) gives the defaults; the environment wins.
_profile = configparser.ConfigParser()
_profile.read(BASE_DIR / "bench.cfg")
_sites_default = _profile.get("deploy", "sites_dir", fallback="sites")
SITES_DIR = Path(os.environ.get("CLIENT_PORTAL_SITES_DIR", BASE_DIR / _sites_default))
SITE_NAME = os.environ.get(
    "CLIENT_PORTAL_SITE", _profile.get("deploy", "default_site", fallback="demo")
)
SITE_DIR = SITES_DIR / SITE_NAME


def _load_site_config() -> dict:
    path = SITE_DIR / "site_config.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{path} must hold a JSON object")
    return data


SITE_CONFIG = _load_site_config()
_MISSING = object()


def _raw(name: str):
    """Environment variable ``NAME`` or site_config key ``name``."""
    if name in os.environ:
        return os.environ[name]
    return SITE_CONFIG.get(name.lower(), _MISSING)


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    if value is _MISSING:
        return default
    return str(value)


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is _MISSING:
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is _MISSING:
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is _MISSING:
        return default
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]
