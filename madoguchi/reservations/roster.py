"""Importing the city's roster of eligible people (RSV-5).

The city sends a CSV (CP932 from most municipal systems, or UTF-8 with or without BOM)
with a header row. Columns, by header name (Japanese or English):

* 接種券番号 / coupon_number (required; digits, hyphens and full-width digits accepted)
* 生年月日 / birth_date (required; 1950-04-01, 1950/4/1 or 19500401)
* 対象 / eligible (optional; 1/0, 対象/対象外, はい/いいえ, ○/×, true/false; empty: 対象)
* 備考 / note (optional)

Every row is checked before anything is written; one bad cell refuses the whole file
with its row and column, so an import never half-applies. A re-import updates the
birth date, eligibility and note of known coupon numbers and adds new ones; people
missing from the new file are kept (they may hold bookings) and counted.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.audit.services import audit_log
from madoguchi.reservations import audit_actions
from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import RosterEntry
from madoguchi.reservations.services import coupon_normalize
from madoguchi.tenancy.models import Center

_COLUMNS = {
    "接種券番号": "coupon_number",
    "券番号": "coupon_number",
    "coupon_number": "coupon_number",
    "生年月日": "birth_date",
    "birth_date": "birth_date",
    "対象": "eligible",
    "eligible": "eligible",
    "備考": "note",
    "note": "note",
}
_LABELS = {
    "coupon_number": "接種券番号",
    "birth_date": "生年月日",
    "eligible": "対象",
    "note": "備考",
}
_TRUE = {"", "1", "対象", "はい", "○", "◯", "true", "yes", "y"}
_FALSE = {"0", "対象外", "いいえ", "×", "false", "no", "n"}
MAX_ROWS = 500_000


@dataclass(frozen=True)
class RowError:
    row: int  # line in the file, the header being line 1
    column: str  # the column's header as in the file ("" for the whole row)
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("%(row)d行目「%(column)s」: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("%(row)d行目: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class RosterImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_file: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not) first — CP932 bytes are rarely valid UTF-8 — then CP932."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReservationsError(
        _(
            "ファイルの文字コードを読み取れません。"
            "CSV（UTF-8 または Shift_JIS）で保存してください。"
        ),
        field="file",
    )


def _parse_date(text: str) -> date | None:
    text = unicodedata.normalize("NFKC", text).strip()
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        parts = text.replace("/", "-").replace(".", "-").split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None
    return None


def _parse_rows(text: str, result: RosterImportResult) -> dict[str, dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        result.errors.append(RowError(1, "", _("ファイルが空です。")))
        return {}
    keys: list[str | None] = []
    for name in header:
        clean = unicodedata.normalize("NFKC", name).strip().lower()
        keys.append(_COLUMNS.get(clean) or _COLUMNS.get(name.strip()))
    names = dict(zip(keys, header, strict=False))
    for required in ("coupon_number", "birth_date"):
        if required not in names:
            result.errors.append(
                RowError(
                    1, "", _("「%(column)s」の列がありません。") % {"column": _LABELS[required]}
                )
            )
    if result.errors:
        return {}
    rows: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        result.rows += 1
        if result.rows > MAX_ROWS:
            result.errors.append(RowError(line, "", _("行数が多すぎます。")))
            break
        values = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(keys) if key}
        entry: dict[str, Any] = {}
        try:
            entry["coupon_number"] = coupon_normalize(values["coupon_number"])
        except ReservationsError as exc:
            result.errors.append(RowError(line, names["coupon_number"], str(exc.message)))
        born = _parse_date(values["birth_date"])
        if born is None or not date(1900, 1, 1) <= born <= date(2100, 1, 1):
            result.errors.append(
                RowError(
                    line,
                    names["birth_date"],
                    _("「%(value)s」は日付として読めません（例: 1950-04-01）。")
                    % {"value": values["birth_date"]},
                )
            )
        entry["birth_date"] = born
        flag = unicodedata.normalize("NFKC", values.get("eligible", "")).strip().lower()
        if flag in _TRUE:
            entry["eligible"] = True
        elif flag in _FALSE:
            entry["eligible"] = False
        else:
            result.errors.append(
                RowError(
                    line,
                    names["eligible"],
                    _("「%(value)s」は対象か対象外か読めません（1 または 0）。")
                    % {"value": values.get("eligible", "")},
                )
            )
        entry["note"] = values.get("note", "").strip()[:200]
        coupon = entry.get("coupon_number")
        if coupon is None:
            continue
        if coupon in rows:
            result.errors.append(
                RowError(
                    line,
                    names["coupon_number"],
                    _("接種券番号 %(coupon)s は%(first)d行目と重複しています。")
                    % {"coupon": coupon, "first": first_line[coupon]},
                )
            )
            continue
        rows[coupon] = entry
        first_line[coupon] = line
    return rows


def roster_import(
    *, actor: Any, center: Center, data: bytes, dry_run: bool = False, filename: str = ""
) -> RosterImportResult:
    """Check the whole file, then (unless ``dry_run`` or any error) apply it in one
    transaction and audit the counts. With errors nothing is written."""
    result = RosterImportResult()
    rows = _parse_rows(decode_csv(data), result)
    if not result.errors and not rows:
        result.errors.append(RowError(2, "", _("取り込む行がありません。")))
    if result.errors:
        return result
    now = timezone.now()
    with transaction.atomic():
        existing = {e.coupon_number: e for e in RosterEntry.objects.filter(center=center)}
        new: list[RosterEntry] = []
        changed: list[RosterEntry] = []
        for coupon, values in rows.items():
            entry = existing.get(coupon)
            if entry is None:
                new.append(RosterEntry(center=center, **values))
                continue
            if (entry.birth_date, entry.eligible, entry.note) == (
                values["birth_date"],
                values["eligible"],
                values["note"],
            ):
                result.unchanged += 1
                continue
            entry.birth_date = values["birth_date"]
            entry.eligible = values["eligible"]
            entry.note = values["note"]
            entry.updated_at = now
            changed.append(entry)
        result.created = len(new)
        result.updated = len(changed)
        result.not_in_file = len(set(existing) - set(rows))
        if dry_run:
            return result
        RosterEntry.objects.bulk_create(new, batch_size=2000)
        RosterEntry.objects.bulk_update(
            changed, ["birth_date", "eligible", "note", "updated_at"], batch_size=2000
        )
        audit_log(
            action=audit_actions.ROSTER_IMPORTED,
            actor=actor,
            center=center,
            data={
                "file": filename[:200],
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "not_in_file": result.not_in_file,
            },
        )
        result.applied = True
    return result
