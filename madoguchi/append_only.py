"""Rows that are written once and never changed: timelines and version snapshots."""

from __future__ import annotations

from typing import Any


class AppendOnly:
    """Mixin for a model whose rows may be inserted but never updated (saving a row that
    already has a primary key raises). ``append_only_name`` names the rows in the error."""

    append_only_name = "rows"
    pk: Any

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(f"{self.append_only_name} are append-only")
        super().save(*args, **kwargs)  # type: ignore[misc]
