"""Answers computed from the public data, kept in this process until that data changes.

Each entry belongs to the public data version it was computed from (see
portal.models.publicdata): when a write anywhere gives the data a new version, the next lookup
in every process sees the new token and drops what it kept, so a change shows at once.
PUBLIC_CACHE_ENTRIES bounds the entries kept (0 turns the cache off).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

from portal.extensions import db
from portal.models.publicdata import public_data_version

DEFAULT_ENTRIES = 512
T = TypeVar("T")


class PublicCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._entries: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T], version: str | None = None) -> T:
        """The answer for `key` at the current data version, computed once per version."""
        limit = current_app.config.get("PUBLIC_CACHE_ENTRIES", DEFAULT_ENTRIES)
        if limit <= 0:
            return compute()
        if version is None:
            version = public_data_version(db.session)
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            if self._version == version:
                self._entries[key] = value
                while len(self._entries) > limit:
                    self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version = None


def public_cache() -> PublicCache:
    """This application's cache (each app has its own database, so its own cache)."""
    return current_app.extensions.setdefault("public_cache", PublicCache())
