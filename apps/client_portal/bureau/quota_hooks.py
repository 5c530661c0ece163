"""Imported records count against the client's subscription quota.

The quota lives in ``bureau.reports.quota`` (helper module of the reports app).
It is looked up lazily: when that module is not installed, imports are not
metered. ``take`` raises (a ``Refused``) when the quota would be exceeded; the
importer calls it inside its transaction, so a refused import leaves nothing.
"""

import importlib


def _quota_module():
    try:
        return importlib.import_module("apps.client_portal.bureau.reports.quota")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("apps.client_portal.bureau.reports"):
            return None
        raise


def take_records(organization, count: int):
    """Take ``count`` imported records from ``organization``'s quota (if quotas exist)."""
    if count <= 0:
        return None
    module = _quota_module()
    if module is None or not hasattr(module, "take"):
        return None
    return module.take(organization, "records", count)
