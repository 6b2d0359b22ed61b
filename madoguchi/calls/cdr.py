"""The call-record exchange CSV of KPI.md (TEL-8): import from other systems and export.

An import is all or nothing: every row is checked first, every problem is reported with
its row and column, and only a clean file is written. Importing the same ``call_id``
again updates that call, so a corrected file can simply be imported once more.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from madoguchi.audit.services import audit_log
from madoguchi.calls import audit_actions
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import Call, CallSource, Disposition
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.phone import phone_normalize
from madoguchi.tenancy.selectors import center_calendar_rules

COLUMNS = [
    "call_id",
    "line",
    "offered_at",
    "answered_at",
    "ended_at",
    "wrap_end_at",
    "outcome",
    "transferred_to",
    "resolved_in_center",
    "is_switchboard_transfer",
    "category",
    "faq_ids_used",
]
OUTCOMES = {
    "answered": Disposition.ANSWERED,
    "abandoned": Disposition.ABANDONED,
    "voicemail": Disposition.VOICEMAIL,
    "blocked": Disposition.BLOCKED,
    "after_hours": Disposition.AFTER_HOURS,
}
_EXPORTED_OUTCOME: dict[str, str] = {value: key for key, value in OUTCOMES.items()}
_EXPORTED_OUTCOME[Disposition.AFTER_HOURS_FORWARDED] = "after_hours"


@dataclass(frozen=True)
class RowError:
    row: int  # 1 = the header row, as a spreadsheet numbers it
    column: str
    message: str

    def __str__(self) -> str:
        return _("%(row)d行目「%(column)s」: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CallsError(
            _("文字コードをUTF-8にしてください（%(position)dバイト目で読めません）。")
            % {"position": exc.start + 1}
        ) from exc


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("offset")
    return parsed


def _bool(value: str) -> bool | None:
    if value == "":
        return None
    if value in {"true", "false"}:
        return value == "true"
    raise ValueError(value)


def _parse_rows(
    rows: Iterable[dict[str, str]], center: Center, numbers: set[str]
) -> Iterator[tuple[int, Call | None, list[RowError]]]:
    seen: set[str] = set()
    # KPI.md: a call is in hours when it arrives inside the center's opening hours (the
    # record's own outcome may say answered at 19:00:00; it still is not offered).
    rules = center_calendar_rules(center)
    for index, row in enumerate(rows, start=2):
        errors: list[RowError] = []

        def error(
            column: str, message: str, index: int = index, errors: list[RowError] = errors
        ) -> None:
            errors.append(RowError(index, column, message))

        values = {k: (row.get(k) or "").strip() for k in COLUMNS}
        call_id = values["call_id"]
        if not call_id:
            error("call_id", _("必須です。"))
        elif call_id in seen:
            error("call_id", _("ファイル内で重複しています。"))
        seen.add(call_id)
        line = ""
        try:
            line = phone_normalize(values["line"], field="line").e164
        except TenancyError as exc:
            error("line", str(exc.message))
        else:
            if line not in numbers:
                error("line", _("このセンターの着信番号ではありません。"))
        times: dict[str, datetime | None] = {}
        for column in ("offered_at", "answered_at", "ended_at", "wrap_end_at"):
            raw = values[column]
            times[column] = None
            if raw:
                try:
                    times[column] = _time(raw)
                except ValueError:
                    error(
                        column,
                        _("2026-01-05T08:30:00+09:00 の形式（時差付き）で入力してください。"),
                    )
        if values["offered_at"] == "":
            error("offered_at", _("必須です。"))
        outcome = values["outcome"]
        if outcome not in OUTCOMES:
            error(
                "outcome",
                _("answered / abandoned / voicemail / blocked / after_hours のいずれかです。"),
            )
        elif outcome == "answered" and times["answered_at"] is None and values["answered_at"] == "":
            error("answered_at", _("応答した通話には応答時刻が必要です。"))
        elif outcome != "answered" and values["answered_at"]:
            error("answered_at", _("応答していない通話に応答時刻があります。"))
        order = [c for c in ("offered_at", "answered_at", "ended_at", "wrap_end_at") if times[c]]
        for earlier, later in zip(order, order[1:], strict=False):
            if times[later] < times[earlier]:  # type: ignore[operator]
                error(later, _("%(earlier)s より前の時刻です。") % {"earlier": earlier})
        flags: dict[str, bool | None] = {}
        for column in ("resolved_in_center", "is_switchboard_transfer"):
            try:
                flags[column] = _bool(values[column])
            except ValueError:
                error(column, _("true / false / 空欄のいずれかです。"))
        if errors:
            yield index, None, errors
            continue
        offered = times["offered_at"]
        assert offered is not None  # noqa: S101  (checked above)
        yield (
            index,
            Call(
                center=center,
                source=CallSource.IMPORTED,
                external_id=call_id,
                dialed_number=line,
                arrived_at=offered,
                in_hours=outcome != "after_hours" and rules.is_open(offered),
                answered_at=times["answered_at"],
                ended_at=times["ended_at"],
                wrap_end_at=times["wrap_end_at"],
                disposition=OUTCOMES[outcome],
                transferred_to=values["transferred_to"],
                resolved_in_center=flags["resolved_in_center"],
                is_switchboard_transfer=flags["is_switchboard_transfer"],
                category=values["category"],
                faq_ids=[f.strip() for f in values["faq_ids_used"].split(";") if f.strip()],
            ),
            [],
        )


_UPDATABLE = [
    "dialed_number",
    "arrived_at",
    "in_hours",
    "answered_at",
    "ended_at",
    "wrap_end_at",
    "disposition",
    "transferred_to",
    "resolved_in_center",
    "is_switchboard_transfer",
    "category",
    "faq_ids",
]


def cdr_import(
    *, actor: object, center: Center, data: bytes, dry_run: bool = False
) -> ImportReport:
    """Check every row, then write all of them or none (re-imported call_ids update)."""
    reader = csv.DictReader(io.StringIO(_decode(data)))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CallsError(
            _("見出し行に列がありません: %(columns)s") % {"columns": ", ".join(missing)}
        )
    numbers = set(center.numbers.values_list("e164", flat=True))
    report = ImportReport()
    calls: list[Call] = []
    for _row, call, errors in _parse_rows(reader, center, numbers):
        report.errors.extend(errors)
        if call is not None:
            calls.append(call)
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        existing = {
            c.external_id: c
            for c in Call.objects.filter(
                center=center,
                source=CallSource.IMPORTED,
                external_id__in=[c.external_id for c in calls],
            )
        }
        new = []
        for call in calls:
            old = existing.get(call.external_id)
            if old is None:
                new.append(call)
                continue
            for name in _UPDATABLE:
                setattr(old, name, getattr(call, name))
        Call.objects.bulk_create(new, batch_size=1000)
        Call.objects.bulk_update(list(existing.values()), _UPDATABLE, batch_size=1000)
        report.created, report.updated = len(new), len(existing)
        audit_log(
            action=audit_actions.CDR_IMPORTED,
            actor=actor,
            center=center,
            data={"created": report.created, "updated": report.updated},
        )
    return report


def _iso(value: datetime | None) -> str:
    return value.astimezone(TOKYO).isoformat() if value is not None else ""


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def cdr_rows(calls: QuerySet[Call]) -> Iterator[list[str]]:
    """The CSV rows (header first) of ``calls``, streamed."""
    yield COLUMNS
    for call in calls.iterator(chunk_size=2000):
        if call.disposition not in _EXPORTED_OUTCOME:
            continue  # calls still in progress and unknown numbers are not exchanged
        yield [
            call.external_id or str(call.id),
            call.dialed_number,
            _iso(call.arrived_at),
            _iso(call.answered_at),
            _iso(call.ended_at),
            _iso(call.wrap_end_at),
            _EXPORTED_OUTCOME[call.disposition],
            call.transferred_to,
            _flag(call.resolved_in_center),
            _flag(call.is_switchboard_transfer),
            call.category,
            ";".join(call.faq_ids),
        ]


def cdr_export(*, actor: object, center: Center, calls: QuerySet[Call], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for row in cdr_rows(calls):
        writer.writerow(row)
        count += 1
    audit_log(action=audit_actions.CDR_EXPORTED, actor=actor, center=center, data={"rows": count})
    return count
