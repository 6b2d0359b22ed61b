"""FAQ round trip (FAQ-3): the whole base of a center to CSV / Excel and back.

One row per FAQ, one column per field, three columns (question, answer, keywords) per
language. Export → edit in Excel → import changes exactly the edited rows: each row is
compared with the FAQ's current content and only a row that differs is saved (one new
version each); unchanged rows write nothing. Rows whose FAQ-ID is new create drafts;
FAQs missing from the file are left alone (the import never deletes). The status column
is informational: publication goes through the approval workflow, not a spreadsheet.

Accepted files: CSV in UTF-8 (with or without BOM) or CP932 (Excel's "CSV" on Japanese
Windows), and .xlsx. Every problem is reported with its row (the line in the file, the
header being row 1) and column (header and number), in Japanese, and an import with any
problem changes nothing: the whole import runs in one transaction that is rolled back
unless every row was accepted. A dry run runs the same checks and always rolls back.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.permissions import Action
from madoguchi.audit.services import audit_log
from madoguchi.knowledge import audit_actions, services
from madoguchi.knowledge.content import LANGUAGES, FaqContent, TextInput, faq_snapshot
from madoguchi.knowledge.errors import KnowledgeError
from madoguchi.knowledge.models import Category, Faq, FaqStatus
from madoguchi.tenancy.models import Center, Department

BASE_COLUMNS = [
    ("code", "FAQ-ID"),
    ("status", "状態"),
    ("department", "所管課"),
    ("categories", "分類"),
    ("related", "関連FAQ"),
    ("is_public", "公開サイト掲載"),
    ("publish_start", "公開開始"),
    ("publish_end", "公開終了"),
    ("review_due", "見直し期限"),
    ("links", "関連URL"),
]
TEXT_PARTS = [("question", "質問"), ("answer", "回答"), ("keywords", "検索キーワード")]
COLUMNS: list[tuple[str, str]] = BASE_COLUMNS + [
    (f"{part}_{lang}", f"{label}({lang})") for lang in LANGUAGES for part, label in TEXT_PARTS
]
HEADERS = [header for _key, header in COLUMNS]
KEY_OF_HEADER = {header: key for key, header in COLUMNS}
HEADER_OF_KEY = {key: header for key, header in COLUMNS}
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
TRUE_WORDS = {"1", "はい", "true", "yes", "公開", "○", "〇"}
FALSE_WORDS = {"0", "いいえ", "false", "no", "非公開", "×", ""}
XLSX_MAGIC = b"PK\x03\x04"


# --- export -----------------------------------------------------------------------------


def _datetime_text(value: datetime | None) -> str:
    return timezone.localtime(value).strftime(DATETIME_FORMAT) if value else ""


def faq_rows(center: Center) -> list[list[str]]:
    """Header + one row per FAQ of ``center`` (every status), ordered by FAQ-ID."""
    faqs = (
        Faq.objects.filter(center=center)
        .select_related("department")
        .prefetch_related("categories", "related", "links", "texts")
        .order_by("code")
    )
    rows = [HEADERS]
    for faq in faqs:
        texts = {t.language: t for t in faq.texts.all()}
        values: dict[str, str] = {
            "code": faq.code,
            "status": faq.get_status_display(),
            "department": faq.department.name if faq.department else "",
            "categories": ";".join(sorted(f"{c.axis}:{c.slug}" for c in faq.categories.all())),
            "related": ";".join(sorted(r.code for r in faq.related.all())),
            "is_public": "1" if faq.is_public else "0",
            "publish_start": _datetime_text(faq.publish_start),
            "publish_end": _datetime_text(faq.publish_end),
            "review_due": faq.review_due.isoformat() if faq.review_due else "",
            "links": "\n".join(f"{link.url} {link.title}".strip() for link in faq.links.all()),
        }
        for lang in LANGUAGES:
            text = texts.get(lang)
            for part, _label in TEXT_PARTS:
                values[f"{part}_{lang}"] = getattr(text, part) if text else ""
        rows.append([values[key] for key, _header in COLUMNS])
    return rows


def _audit_export(*, actor: Any, center: Center, fmt: str, count: int) -> None:
    audit_log(
        action=audit_actions.FAQ_EXPORTED,
        actor=actor,
        center=center,
        data={"format": fmt, "faqs": count},
    )


def export_csv(*, actor: Any, center: Center) -> bytes:
    """UTF-8 with BOM (so Excel opens it as UTF-8), CRLF line ends, every field quoted."""
    rows = faq_rows(center)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows(rows)
    _audit_export(actor=actor, center=center, fmt="csv", count=len(rows) - 1)
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(*, actor: Any, center: Center) -> bytes:
    """The same table as an Excel workbook; every cell is text, so Excel keeps IDs and
    dates as they are."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rows = faq_rows(center)
    workbook = Workbook()
    sheet = workbook.create_sheet("FAQ", 0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    for values in rows:
        sheet.append(values)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for sheet_row in sheet.iter_rows(min_row=1):
        for cell in sheet_row:
            cell.number_format = "@"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    workbook.save(out)
    _audit_export(actor=actor, center=center, fmt="xlsx", count=len(rows) - 1)
    return out.getvalue()


# --- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    row: int
    column: str  # header text, "" for the whole file or row
    column_number: int  # 1-based, 0 when not about one column
    message: str

    def __str__(self) -> str:
        where = f"{self.row}行目"
        if self.column:
            where += f" {self.column_number}列目「{self.column}」"
        return f"{where}: {self.message}"


@dataclass
class RowResult:
    row: int
    code: str
    action: str  # "created", "updated", "unchanged"


@dataclass
class ImportReport:
    errors: list[ImportProblem] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


class _RowError(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp932")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT if value.time() != time(0) else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(data: bytes, *, filename: str = "") -> list[list[str]]:
    """Rows of a CSV (UTF-8 ± BOM or CP932) or .xlsx file, as text.

    Raises ``KnowledgeError`` when the file is neither.
    """
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise KnowledgeError("Excelファイルを読み込めませんでした。", field="file") from exc
        sheet = workbook.worksheets[0]
        table = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return table
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        raise KnowledgeError(
            "文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存してください。",
            field="file",
        ) from exc
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error as exc:
        raise KnowledgeError(f"CSVの形式が正しくありません（{exc}）。", field="file") from exc


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise _RowError("is_public", "1（掲載）または 0（非掲載）を入力してください。")


_DATETIME_INPUTS = [
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
]
_DATE_INPUTS = ["%Y-%m-%d", "%Y/%m/%d"]


def _parse_date(value: str, key: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in _DATE_INPUTS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a date only)
        except ValueError:
            continue
    raise _RowError(key, "日付は 2026-04-01 の形式で入力してください。")


def _parse_datetime(value: str, key: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    for fmt in _DATETIME_INPUTS:
        try:
            naive = datetime.strptime(value, fmt)  # noqa: DTZ007 (made aware just below)
        except ValueError:
            continue
        return timezone.make_aware(naive)
    day = _parse_date(value, key) or date.min  # a date alone means 00:00 in Tokyo
    return timezone.make_aware(datetime.combine(day, time(0)))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ";").split(";") if part.strip()]


@dataclass
class _Context:
    center: Center
    departments: dict[str, Department]
    categories: dict[str, Category]
    faqs: dict[str, Faq]


def _content_of(
    values: dict[str, str], ctx: _Context, *, codes_in_file: set[str]
) -> tuple[FaqContent, list[str]]:
    """Parse one row; returns the content and the related FAQ-IDs not yet in the base."""
    department = None
    if values.get("department", "").strip():
        department = ctx.departments.get(values["department"].strip())
        if department is None:
            raise _RowError("department", "この名前の所管課はありません。")
    categories = []
    for ref in _split(values.get("categories", "")):
        category = ctx.categories.get(ref)
        if category is None:
            raise _RowError("categories", f"分類「{ref}」はありません（分類軸:識別子 の形式）。")
        categories.append(category)
    related, pending = [], []
    for ref in _split(values.get("related", "")):
        if ref in ctx.faqs:
            related.append(ctx.faqs[ref])
        elif ref in codes_in_file:
            pending.append(ref)
        else:
            raise _RowError("related", f"関連FAQ「{ref}」はありません。")
    links = []
    for line in values.get("links", "").splitlines():
        if line.strip():
            url, _sep, title = line.strip().partition(" ")
            links.append((url, title.strip()))
    texts = {
        lang: TextInput(
            values.get(f"question_{lang}", ""),
            values.get(f"answer_{lang}", ""),
            values.get(f"keywords_{lang}", ""),
        )
        for lang in LANGUAGES
    }
    content = FaqContent(
        texts=texts,
        department=department,
        categories=categories,
        related=related,
        links=links,
        is_public=_parse_bool(values.get("is_public", "1")),
        publish_start=_parse_datetime(values.get("publish_start", ""), "publish_start"),
        publish_end=_parse_datetime(values.get("publish_end", ""), "publish_end"),
        review_due=_parse_date(values.get("review_due", ""), "review_due"),
    )
    return content, pending


def _unchanged(faq: Faq, content: FaqContent) -> bool:
    """Would saving ``content`` leave ``faq`` as it is? (Compared as snapshots.)"""
    current = faq_snapshot(faq)
    texts = {
        lang: {
            "question": t.question.strip(),
            "answer": t.answer.strip(),
            "keywords": t.keywords.strip(),
        }
        for lang, t in content.texts.items()
        if not t.is_empty()
    }
    wanted = {
        **current,
        "department": content.department.name if content.department else None,
        "categories": sorted(f"{c.axis}:{c.slug}" for c in content.categories),
        "related": sorted(r.code for r in content.related),
        "links": [{"url": u, "title": t} for u, t in content.links],
        "is_public": content.is_public,
        "publish_start": content.publish_start and timezone.localtime(content.publish_start),
        "publish_end": content.publish_end and timezone.localtime(content.publish_end),
        "review_due": content.review_due or faq.review_due,
        "texts": texts,
    }
    for key in ("publish_start", "publish_end", "review_due"):
        value = wanted[key]
        wanted[key] = value.isoformat() if value else None
    return bool(wanted == current)


class _Rollback(Exception):
    pass


def faq_import(
    *, actor: Any, center: Center, data: bytes, filename: str = "", dry_run: bool = False
) -> ImportReport:
    """Check every row, then apply all of them, or nothing when any row has a problem."""
    report = ImportReport()
    if actor is not None:
        services.require_right(actor, center, Action.FAQ_EDIT)
    try:
        table = read_table(data, filename=filename)
    except KnowledgeError as exc:
        report.errors.append(ImportProblem(0, "", 0, str(exc.message)))
        return report
    if not any(any(cell.strip() for cell in row) for row in table):
        report.errors.append(ImportProblem(1, "", 0, "ファイルが空です。"))
        return report
    header = [h.strip() for h in table[0]]
    unknown = [(i + 1, h) for i, h in enumerate(header) if h and h not in KEY_OF_HEADER]
    for number, name in unknown:
        report.errors.append(ImportProblem(1, name, number, "不明な列名です。"))
    if "FAQ-ID" not in header or "質問(ja)" not in header or "回答(ja)" not in header:
        report.errors.append(
            ImportProblem(1, "", 0, "見出し行に FAQ-ID・質問(ja)・回答(ja) の列が必要です。")
        )
    duplicates = {h for h in header if h and header.count(h) > 1}
    for name in sorted(duplicates):
        report.errors.append(
            ImportProblem(1, name, header.index(name) + 1, "同じ列名が2回あります。")
        )
    if report.errors:
        return report
    column_of = {KEY_OF_HEADER[h]: i for i, h in enumerate(header) if h}

    def error(row: int, key: str, message: str) -> None:
        number = column_of.get(key)
        report.errors.append(
            ImportProblem(
                row,
                HEADER_OF_KEY.get(key, "") if number is not None else "",
                (number + 1) if number is not None else 0,
                message,
            )
        )

    records: list[tuple[int, dict[str, str]]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            error(number, "", f"列が多すぎます（見出しは{len(header)}列、この行は{len(row)}列）。")
            continue
        values = {key: (row[i] if i < len(row) else "") for key, i in column_of.items()}
        code = values.get("code", "").strip()
        if not code:
            error(number, "code", "FAQ-IDを入力してください。")
            continue
        if code in seen:
            error(number, "code", f"FAQ-ID「{code}」が{seen[code]}行目と重複しています。")
            continue
        seen[code] = number
        records.append((number, values))
    if report.errors:
        return report

    try:
        with transaction.atomic():
            _apply(actor, center, records, report, error)
            if report.errors or dry_run:
                raise _Rollback
            audit_log(
                action=audit_actions.FAQ_IMPORTED,
                actor=actor,
                center=center,
                data={
                    "filename": filename[:200],
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
            report.applied = True
    except _Rollback:
        pass
    return report


def _apply(
    actor: Any,
    center: Center,
    records: Iterable[tuple[int, dict[str, str]]],
    report: ImportReport,
    error: Any,
) -> None:
    ctx = _Context(
        center=center,
        departments={d.name: d for d in Department.objects.filter(center=center)},
        categories={f"{c.axis}:{c.slug}": c for c in Category.objects.filter(center=center)},
        faqs={
            f.code: f
            for f in Faq.objects.filter(center=center)
            .prefetch_related("categories", "related", "links", "texts", "attachments")
            .select_related("department")
        },
    )
    records = list(records)
    codes_in_file = {values["code"].strip() for _n, values in records}
    later: list[tuple[int, Faq, FaqContent, list[str]]] = []
    for number, values in records:
        code = values["code"].strip()
        try:
            content, pending = _content_of(values, ctx, codes_in_file=codes_in_file)
        except _RowError as exc:
            error(number, exc.key, exc.message)
            continue
        faq = ctx.faqs.get(code)
        try:
            with transaction.atomic():
                if faq is None:
                    faq = services.faq_create(
                        actor=actor,
                        center=center,
                        code=code,
                        content=content,
                        comment="CSV取込みで作成",
                    )
                    ctx.faqs[faq.code] = faq
                    report.rows.append(RowResult(number, faq.code, "created"))
                elif not pending and _unchanged(faq, content):
                    report.rows.append(RowResult(number, code, "unchanged"))
                    continue
                else:
                    if faq.status == FaqStatus.AWAITING_APPROVAL:
                        raise KnowledgeError("市の承認待ちのFAQは変更できません。", field="code")
                    services.faq_update(
                        actor=actor, faq=faq, content=content, comment="CSV取込みで変更"
                    )
                    report.rows.append(RowResult(number, code, "updated"))
        except KnowledgeError as exc:
            error(number, _key_of_field(exc.field), str(exc.message))
            continue
        if pending:
            later.append((number, faq, content, pending))
    for number, faq, content, pending in later:
        content.related = [*content.related, *(ctx.faqs[c] for c in pending if c in ctx.faqs)]
        try:
            with transaction.atomic():
                services.faq_update(
                    actor=actor, faq=faq, content=content, comment="CSV取込みで関連FAQを設定"
                )
        except KnowledgeError as exc:
            error(number, _key_of_field(exc.field), str(exc.message))


def _key_of_field(field_name: str | None) -> str:
    """Column key of a service error's field (services name fields like the columns)."""
    if field_name in HEADER_OF_KEY:
        return str(field_name)
    return ""
