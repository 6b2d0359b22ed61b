"""The editable content of an FAQ as one value, and its snapshot for the version history.

The console form, the CSV import and the demo loader all build a ``FaqContent`` and hand
it to ``services.faq_create`` / ``faq_update``; the snapshot of the saved FAQ is what
versions store and what the diff view compares. Workflow state (status, approvals) is
not content: it lives in approval records and the audit log, so approving and publishing
never create a version, and "changed" means the citizen-visible text or metadata changed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from madoguchi.tenancy.models import Language

if TYPE_CHECKING:
    from madoguchi.knowledge.models import Category, Faq
    from madoguchi.tenancy.models import Department

LANGUAGES = [str(lang) for lang in Language.values]


@dataclass(frozen=True)
class TextInput:
    question: str
    answer: str
    keywords: str = ""

    def is_empty(self) -> bool:
        return not (self.question.strip() or self.answer.strip() or self.keywords.strip())


@dataclass
class FaqContent:
    """What an editor sets on an FAQ (FAQ-1); ``texts`` maps a language to its text."""

    texts: dict[str, TextInput]
    department: Department | None = None
    categories: list[Category] = field(default_factory=list)
    related: list[Faq] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (url, title)
    is_public: bool = True
    publish_start: datetime | None = None
    publish_end: datetime | None = None
    review_due: date | None = None


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def faq_snapshot(faq: Faq) -> dict[str, Any]:
    """Everything editable of ``faq`` as plain JSON, in a stable order."""
    return {
        "code": faq.code,
        "department": faq.department.name if faq.department_id and faq.department else None,
        "categories": sorted(f"{c.axis}:{c.slug}" for c in faq.categories.all()),
        "related": sorted(r.code for r in faq.related.all()),
        "links": [{"url": link.url, "title": link.title} for link in faq.links.all()],
        "attachments": [
            {"title": a.title, "name": (a.file.name or "").rsplit("/", 1)[-1], "size": a.size}
            for a in faq.attachments.all()
        ],
        "is_public": faq.is_public,
        "publish_start": _iso(faq.publish_start),
        "publish_end": _iso(faq.publish_end),
        "review_due": _iso(faq.review_due),
        "texts": {
            t.language: {"question": t.question, "answer": t.answer, "keywords": t.keywords}
            for t in sorted(faq.texts.all(), key=lambda t: LANGUAGES.index(t.language))
        },
    }


FIELD_LABELS = {
    "code": "FAQ-ID",
    "department": "所管課",
    "categories": "分類",
    "related": "関連FAQ",
    "links": "関連URL",
    "attachments": "添付ファイル",
    "is_public": "公開サイトに掲載",
    "publish_start": "公開開始",
    "publish_end": "公開終了",
    "review_due": "次回見直し期限",
}
TEXT_LABELS = {"question": "質問", "answer": "回答", "keywords": "検索キーワード"}


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bool):
        return ["はい" if value else "いいえ"]
    if isinstance(value, list):
        return [
            " ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
            for item in value
        ]
    return str(value).splitlines() or [""]


@dataclass(frozen=True)
class DiffRow:
    left: str
    right: str
    kind: str  # "same", "changed", "removed", "added"


@dataclass(frozen=True)
class FieldDiff:
    label: str
    rows: list[DiffRow]


def _side_by_side(old: list[str], new: list[str]) -> list[DiffRow]:
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            rows += [DiffRow(line, line, "same") for line in old[a1:a2]]
        elif op == "delete":
            rows += [DiffRow(line, "", "removed") for line in old[a1:a2]]
        elif op == "insert":
            rows += [DiffRow("", line, "added") for line in new[b1:b2]]
        else:
            left, right = old[a1:a2], new[b1:b2]
            for i in range(max(len(left), len(right))):
                rows.append(
                    DiffRow(
                        left[i] if i < len(left) else "",
                        right[i] if i < len(right) else "",
                        "changed",
                    )
                )
    return rows


def snapshot_diff(old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """Side-by-side line diff (difflib) of the fields that differ between two snapshots."""
    diffs: list[FieldDiff] = []
    for key, label in FIELD_LABELS.items():
        if old.get(key) != new.get(key):
            diffs.append(
                FieldDiff(label, _side_by_side(_lines(old.get(key)), _lines(new.get(key))))
            )
    old_texts, new_texts = old.get("texts", {}), new.get("texts", {})
    for lang in LANGUAGES:
        for part, label in TEXT_LABELS.items():
            before = old_texts.get(lang, {}).get(part)
            after = new_texts.get(lang, {}).get(part)
            if before != after:
                diffs.append(
                    FieldDiff(f"{label}（{lang}）", _side_by_side(_lines(before), _lines(after)))
                )
    return diffs
