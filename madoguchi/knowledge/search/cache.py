"""A small per-process cache of built indexes.

Keyed by (center id, language); each entry remembers the version stamp it was built
for (e.g. max(updated_at), count and the synonym version). A request with the same
stamp reuses the index; a new stamp rebuilds it once through the caller's loader.
Least recently used entries are dropped beyond `max_entries`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from .index import SearchIndex


class IndexCache:
    def __init__(self, *, max_entries: int = 16) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, str], tuple[Hashable, SearchIndex]] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0

    def get(
        self,
        *,
        center_id: int,
        language: str,
        stamp: Hashable,
        loader: Callable[[], SearchIndex],
    ) -> SearchIndex:
        key = (center_id, language)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(key)
                return entry[1]
        index = loader()  # built outside the lock: other centers keep being served
        with self._lock:
            self.builds += 1
            self._entries[key] = (stamp, index)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return index

    def invalidate(self, *, center_id: int | None = None) -> None:
        with self._lock:
            if center_id is None:
                self._entries.clear()
            else:
                for key in [k for k in self._entries if k[0] == center_id]:
                    del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


index_cache = IndexCache()
