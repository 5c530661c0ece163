"""Rendered fragments kept in process, for HTML that is a function of its key alone.

A fragment such as the page header or a list's filter bar depends on a handful
of values (person, organization, language, query string) and not on the rows of
the database; it is rendered the first time a key is seen and reused after. The
key must hold every value the fragment shows, so that a kept copy can never be
stale; nothing needs invalidating. Each store is bounded: when full it starts
afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable


class Rendered:
    def __init__(self, maxsize: int = 2048):
        self.maxsize = maxsize
        self._store: dict = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], str]) -> str:
        html = self._store.get(key)
        if html is None:
            html = render()
            with self._lock:
                if len(self._store) >= self.maxsize:
                    self._store.clear()
                self._store[key] = html
        return html

    def clear(self) -> None:
        with self._lock:
            self._store.clear()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._store

    def __len__(self) -> int:
        return len(self._store)
