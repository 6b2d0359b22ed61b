"""Export of interaction records (CON-6): CSV (UTF-8 with BOM, for Excel in Japan) and
Excel (.xlsx), both produced row by row so memory stays flat for any number of records.

Rows are read with ``values_list(...).iterator(chunk_size)``: no model instances, one
chunk of rows in memory at a time. Names (category, department, operator) come from
one join each, not one query per row. Times are shown in Asia/Tokyo.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from django.db.models import QuerySet

from madoguchi.interactions.models import Channel, Interaction, InteractionKind, Outcome
from madoguchi.tenancy.calendars import TOKYO

CHUNK = 2000

HEADER = [
    "番号",
    "センター",
    "チャネル",
    "着信番号",
    "発信者番号",
    "種別",
    "緊急",
    "分類",
    "問合せ内容",
    "回答内容",
    "使用したFAQ",
    "結果",
    "所管課",
    "対応者",
    "開始",
    "終了",
    "通話秒数",
    "言語",
]

_FIELDS = (
    "pk",
    "center__name",
    "channel",
    "dialed_number",
    "caller_number",
    "kind",
    "urgent",
    "category__name",
    "summary",
    "answer",
    "faq_ids",
    "outcome",
    "department__name",
    "operator__display_name",
    "operator__username",
    "started_at",
    "ended_at",
    "language",
)

_CHANNELS = dict(Channel.choices)
_KINDS = dict(InteractionKind.choices)
_OUTCOMES = dict(Outcome.choices)


def _local(value: datetime | None) -> str:
    return value.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def export_rows(records: QuerySet[Interaction]) -> Iterator[list[Any]]:
    """The export's rows (without the header), in the queryset's order."""
    rows = records.order_by("-started_at", "-id").values_list(*_FIELDS)
    for (
        pk,
        center,
        channel,
        dialed,
        caller,
        kind,
        urgent,
        category,
        summary,
        answer,
        faq_ids,
        outcome,
        department,
        operator_name,
        operator_username,
        started,
        ended,
        language,
    ) in rows.iterator(chunk_size=CHUNK):
        yield [
            pk,
            center,
            str(_CHANNELS.get(channel, channel)),
            dialed,
            caller,
            str(_KINDS.get(kind, kind)),
            "○" if urgent else "",
            category or "",
            summary,
            answer,
            " ".join(faq_ids or []),
            str(_OUTCOMES.get(outcome, outcome)),
            department or "",
            operator_name or operator_username or "",
            _local(started),
            _local(ended),
            int((ended - started).total_seconds()) if started and ended else "",
            language,
        ]


class _Line:
    """A file-like object that hands back what csv.writer wrote, one row at a time."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, value: str) -> int:
        self.value = value
        return len(value)


def csv_stream(records: QuerySet[Interaction]) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel opens it as UTF-8), CRLF line ends, a header row."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow(HEADER)
    yield ("\ufeff" + line.value).encode()
    batch: list[str] = []
    for row in export_rows(records):
        writer.writerow(row)
        batch.append(line.value)
        if len(batch) >= 500:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def xlsx_file(records: QuerySet[Interaction]) -> IO[bytes]:
    """An .xlsx written by openpyxl in write-only mode (rows go straight to a temporary
    file, never all in memory); returned rewound, to be streamed in blocks."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("応対履歴")
    sheet.append(HEADER)
    for row in export_rows(records):
        sheet.append(row)
    out = tempfile.TemporaryFile()  # noqa: SIM115  (handed to the response, which closes it)
    workbook.save(out)
    out.seek(0)
    return out
