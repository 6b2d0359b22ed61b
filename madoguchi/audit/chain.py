"""The hash that links audit rows (shared by the writer and the verifier)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def event_hash(
    *,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    center_id: int | None,
    action: str,
    kind: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    data: dict[str, Any],
    request_id: str,
    ip: str | None,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            seq,
            occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_id,
            actor_label,
            center_id,
            action,
            kind,
            object_type,
            object_id,
            object_repr,
            data,
            request_id,
            ip,
            prev_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
