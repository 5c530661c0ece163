"""The tests' file storage: each test writes under its own MEDIA_ROOT, and reads the
files the session's demo seed wrote (a signature request's working PDF, an invoice's
PDF) from where the seed wrote them, so that a test sees the demo whole."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class SeededFallbackStorage(FileSystemStorage):
    def _own_path(self, name):
        return super().path(name)

    def _seeded(self, name):
        root = getattr(settings, "SEEDED_MEDIA_ROOT", "")
        if not root or os.path.exists(self._own_path(name)):
            return None
        candidate = os.path.join(root, name)
        return candidate if os.path.exists(candidate) else None

    def path(self, name):
        return self._seeded(name) or self._own_path(name)

    def exists(self, name):
        return os.path.lexists(self._own_path(name)) or self._seeded(name) is not None

    def delete(self, name):
        if os.path.lexists(self._own_path(name)):
            os.remove(self._own_path(name))  # the seed's own files stay for the next test
