"""Writes of the knowledge context (FAQ-1..4, FAQ-8).

Each service checks the actor's right in the FAQ's center (FAQ-2: only FAQ editors
create, change, delete or publish; city staff approve), validates everything before
writing, so a refusal writes nothing, then writes atomically and audits. ``actor=None``
is the system (management commands run by an administrator on the server).

Content changes create a ``FaqVersion`` with a full snapshot, and only when the snapshot
actually changed: saving an unchanged FAQ (or importing an unchanged CSV row) records
nothing. Analysed search terms are computed here on save; embeddings are computed by the
worker afterwards (``tasks.faq_text_embed_task``), never during a request.

Editing a published FAQ keeps it published: the editor holds the publish right, and the
change is versioned and audited; city approval gates the first publication and every
re-publication of a draft or archived FAQ.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.permissions import Action, has_permission
from madoguchi.audit.services import audit_log
from madoguchi.interactions import events as interaction_events
from madoguchi.interactions.models import Interaction
from madoguchi.knowledge import audit_actions, indexing
from madoguchi.knowledge.content import LANGUAGES, FaqContent, TextInput, faq_snapshot
from madoguchi.knowledge.errors import KnowledgeError
from madoguchi.knowledge.models import (
    ATTACHMENT_CONTENT_TYPES,
    ATTACHMENT_MAX_BYTES,
    ApprovalDecision,
    Axis,
    Category,
    Faq,
    FaqApproval,
    FaqAttachment,
    FaqLink,
    FaqStatus,
    FaqText,
    FaqUse,
    FaqVersion,
    SearchChannel,
    SearchLog,
    Synonym,
)
from madoguchi.pii import refuse_special_care_numbers
from madoguchi.tenancy.models import Center

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,29}$")
REVIEW_INTERVAL = timedelta(days=365)


# --- checks -----------------------------------------------------------------------------


def require_right(actor: Any, center: Center, action: Action) -> None:
    if actor is None:  # the system: a management command on the server
        return
    if not has_permission(actor, center, action):
        raise KnowledgeError(_("この操作を行う権限がありません。"))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _refuse_pii(field: str, text: str) -> None:
    """CON-8: a My Number or card number in any free text refuses the whole entry."""
    try:
        refuse_special_care_numbers(text)
    except ValidationError as exc:
        raise KnowledgeError(exc.messages[0], field=field) from exc


def _today() -> date:
    return timezone.localdate()


def _clean_content(center: Center, content: FaqContent, *, faq: Faq | None) -> FaqContent:
    """Validate ``content`` for ``center``; returns it with texts trimmed."""
    texts: dict[str, TextInput] = {}
    for lang, text in content.texts.items():
        if lang not in LANGUAGES:
            raise KnowledgeError(_("対応していない言語です。"), field="texts")
        if text.is_empty():
            continue
        cleaned = TextInput(text.question.strip(), text.answer.strip(), text.keywords.strip())
        if not cleaned.question:
            raise KnowledgeError(_("質問を入力してください。"), field=f"question_{lang}")
        if not cleaned.answer:
            raise KnowledgeError(_("回答を入力してください。"), field=f"answer_{lang}")
        for part in ("question", "answer", "keywords"):
            _refuse_pii(f"{part}_{lang}", getattr(cleaned, part))
        texts[lang] = cleaned
    if "ja" not in texts:
        raise KnowledgeError(_("日本語の質問と回答は必須です。"), field="question_ja")
    if content.department is not None and content.department.center_id != center.pk:
        raise KnowledgeError(
            _("所管課は同じセンターの所管課から選んでください。"), field="department"
        )
    for category in content.categories:
        if category.center_id != center.pk:
            raise KnowledgeError(
                _("分類は同じセンターの分類から選んでください。"), field="categories"
            )
    for other in content.related:
        if other.center_id != center.pk:
            raise KnowledgeError(
                _("関連FAQは同じセンターのFAQから選んでください。"), field="related"
            )
        if faq is not None and other.pk == faq.pk:
            raise KnowledgeError(_("自分自身を関連FAQにはできません。"), field="related")
    validate_url = URLValidator(schemes=["http", "https"])
    for url, title in content.links:
        try:
            validate_url(url)
        except ValidationError as exc:
            raise KnowledgeError(
                _("関連URLは http:// または https:// で始まる正しいURLを入力してください。"),
                field="links",
            ) from exc
        _refuse_pii("links", title)
    for name, value in (
        ("publish_start", content.publish_start),
        ("publish_end", content.publish_end),
    ):
        if value is not None and timezone.is_naive(value):
            raise KnowledgeError(_("日時にはタイムゾーンが必要です。"), field=name)
    if (
        content.publish_start is not None
        and content.publish_end is not None
        and content.publish_end <= content.publish_start
    ):
        raise KnowledgeError(
            _("公開終了は公開開始より後の日時にしてください。"), field="publish_end"
        )
    content.texts = texts
    return content


def _clean_code(center: Center, code: str) -> str:
    code = unicodedata.normalize("NFKC", code).strip()
    if not CODE_RE.match(code):
        raise KnowledgeError(
            _("FAQ-IDは半角英数字と - _ . で30文字以内にしてください。"), field="code"
        )
    if Faq.objects.filter(center=center, code=code).exists():
        raise KnowledgeError(_("このFAQ-IDは既に使われています。"), field="code")
    return code


# --- writing content --------------------------------------------------------------------


def _write_content(faq: Faq, content: FaqContent) -> list[int]:
    """Apply ``content`` to a saved ``faq``; returns the ids of texts whose wording changed."""
    faq.department = content.department
    faq.is_public = content.is_public
    faq.publish_start = content.publish_start
    faq.publish_end = content.publish_end
    faq.review_due = content.review_due or faq.review_due or (_today() + REVIEW_INTERVAL)
    faq.save()
    faq.categories.set(content.categories)
    faq.related.set(content.related)
    current_links = [(link.url, link.title) for link in faq.links.all()]
    if current_links != list(content.links):
        faq.links.all().delete()
        FaqLink.objects.bulk_create(
            FaqLink(faq=faq, url=url, title=title, order=i)
            for i, (url, title) in enumerate(content.links)
        )
    changed: list[int] = []
    existing = {t.language: t for t in faq.texts.all()}
    for lang, old in existing.items():
        if lang not in content.texts:
            old.delete()
    for lang, text in content.texts.items():
        row = existing.get(lang)
        if row is not None and (row.question, row.answer, row.keywords) == (
            text.question,
            text.answer,
            text.keywords,
        ):
            continue
        row = row or FaqText(faq=faq, language=lang)
        row.question, row.answer, row.keywords = text.question, text.answer, text.keywords
        row.terms = indexing.document_terms(
            question=text.question, answer=text.answer, keywords=text.keywords
        )
        row.embedding = None
        row.embedding_model = ""
        row.embedding_source = ""
        row.save()
        changed.append(row.pk)
    return changed


def _record_version(faq: Faq, *, actor: Any, comment: str) -> FaqVersion | None:
    """Append a version when the snapshot differs from the latest one."""
    snapshot = faq_snapshot(faq)
    latest = faq.versions.order_by("-number").first()
    if latest is not None and latest.snapshot == snapshot:
        return None
    number = (latest.number if latest else 0) + 1
    version = FaqVersion.objects.create(
        faq=faq,
        number=number,
        snapshot=snapshot,
        author=_user(actor),
        comment=comment[:300],
        created_at=timezone.now(),
    )
    Faq.objects.filter(pk=faq.pk).update(version=number)
    faq.version = number
    return version


def _enqueue_embeddings(text_ids: list[int]) -> None:
    if not text_ids:
        return
    from madoguchi.knowledge.tasks import faq_text_embed_task

    def enqueue() -> None:
        for text_id in text_ids:
            faq_text_embed_task.enqueue(text_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def faq_create(
    *, actor: Any, center: Center, code: str, content: FaqContent, comment: str = ""
) -> Faq:
    """Create a draft FAQ with version 1; the review is due a year from today by default."""
    require_right(actor, center, Action.FAQ_EDIT)
    code = _clean_code(center, code)
    content = _clean_content(center, content, faq=None)
    faq = Faq(center=center, code=code, created_by=_user(actor), updated_by=_user(actor))
    faq.save()
    changed = _write_content(faq, content)
    _record_version(faq, actor=actor, comment=comment or "作成")
    audit_log(
        action=audit_actions.FAQ_CREATED,
        actor=actor,
        center=center,
        obj=faq,
        data={"code": faq.code, "languages": sorted(content.texts)},
    )
    _enqueue_embeddings(changed)
    return faq


@transaction.atomic
def faq_update(*, actor: Any, faq: Faq, content: FaqContent, comment: str = "") -> Faq:
    """Change an FAQ's content; a new version only when something actually changed.

    Returns the FAQ; ``faq.version`` tells whether a version was added.
    """
    faq = Faq.objects.select_for_update().get(pk=faq.pk)
    require_right(actor, faq.center, Action.FAQ_EDIT)
    if faq.status == FaqStatus.AWAITING_APPROVAL:
        raise KnowledgeError(
            _("市の承認待ちのFAQは変更できません。差戻しを受けてから変更してください。")
        )
    content = _clean_content(faq.center, content, faq=faq)
    before = faq.version
    changed = _write_content(faq, content)
    version = _record_version(faq, actor=actor, comment=comment or "変更")
    if version is None:
        return faq
    Faq.objects.filter(pk=faq.pk).update(updated_by=_user(actor), updated_at=timezone.now())
    audit_log(
        action=audit_actions.FAQ_UPDATED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code, "version": version.number, "previous": before},
    )
    _enqueue_embeddings(changed)
    return faq


@transaction.atomic
def faq_attachment_add(
    *, actor: Any, faq: Faq, upload: UploadedFile[Any], title: str = ""
) -> FaqAttachment:
    """Attach a file; only the listed types up to ``ATTACHMENT_MAX_BYTES`` are accepted."""
    require_right(actor, faq.center, Action.FAQ_EDIT)
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in ATTACHMENT_CONTENT_TYPES:
        raise KnowledgeError(
            _("添付できるのは PDF・画像（PNG/JPEG）・テキスト・CSV・Word・Excel です。"),
            field="attachment",
        )
    if upload.size is None or upload.size > ATTACHMENT_MAX_BYTES:
        raise KnowledgeError(_("添付ファイルは10MBまでです。"), field="attachment")
    if upload.size == 0:
        raise KnowledgeError(_("空のファイルは添付できません。"), field="attachment")
    title = (title or name).strip()[:200]
    _refuse_pii("attachment_title", title)
    attachment = FaqAttachment(
        faq=faq,
        title=title,
        content_type=ATTACHMENT_CONTENT_TYPES[suffix],
        size=upload.size,
        uploaded_by=_user(actor),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    version = _record_version(faq, actor=actor, comment=f"添付ファイル追加: {title}")
    audit_log(
        action=audit_actions.FAQ_UPDATED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code, "attachment_added": title, "version": version and version.number},
    )
    return attachment


@transaction.atomic
def faq_attachment_remove(*, actor: Any, attachment: FaqAttachment) -> Faq:
    faq = attachment.faq
    require_right(actor, faq.center, Action.FAQ_EDIT)
    title = attachment.title
    stored = attachment.file
    attachment.delete()
    version = _record_version(faq, actor=actor, comment=f"添付ファイル削除: {title}")
    audit_log(
        action=audit_actions.FAQ_UPDATED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code, "attachment_removed": title, "version": version and version.number},
    )
    _delete_files_on_commit([stored])
    return faq


def _delete_files_on_commit(files: list[Any]) -> None:
    def delete() -> None:
        for stored in files:
            if stored.name:
                stored.storage.delete(stored.name)

    transaction.on_commit(delete)


# --- workflow ---------------------------------------------------------------------------


def _locked(faq: Faq) -> Faq:
    return Faq.objects.select_for_update().select_related("center").get(pk=faq.pk)


def _pending(faq: Faq) -> FaqApproval | None:
    return faq.approvals.filter(decision=ApprovalDecision.PENDING).first()


@transaction.atomic
def faq_submit(*, actor: Any, faq: Faq, comment: str = "") -> FaqApproval:
    """Ask the city to approve the current version (draft or archived → awaiting)."""
    faq = _locked(faq)
    require_right(actor, faq.center, Action.FAQ_EDIT)
    if faq.status not in (FaqStatus.DRAFT, FaqStatus.ARCHIVED):
        raise KnowledgeError(_("下書きまたはアーカイブのFAQだけを承認に回せます。"))
    _refuse_pii("comment", comment)
    version = faq.versions.order_by("-number").first()
    if version is None:  # pragma: no cover - every FAQ is created with a version
        raise KnowledgeError(_("版がありません。"))
    approval = FaqApproval.objects.create(
        faq=faq,
        version=version,
        requested_by=_user(actor),
        requested_at=timezone.now(),
        comment=comment,
    )
    faq.status = FaqStatus.AWAITING_APPROVAL
    faq.save(update_fields=["status", "updated_at"])
    audit_log(
        action=audit_actions.FAQ_SUBMITTED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code, "version": version.number},
    )
    return approval


def _decide(*, actor: Any, faq: Faq, decision: ApprovalDecision, comment: str) -> FaqApproval:
    faq = _locked(faq)
    require_right(actor, faq.center, Action.FAQ_APPROVE)
    approval = _pending(faq)
    if faq.status != FaqStatus.AWAITING_APPROVAL or approval is None:
        raise KnowledgeError(_("このFAQは承認待ちではありません。"))
    _refuse_pii("comment", comment)
    approval.decision = decision
    approval.decided_by = _user(actor)
    approval.decided_at = timezone.now()
    if comment:
        approval.comment = f"{approval.comment}\n{comment}".strip()
    approval.save()
    if decision == ApprovalDecision.REJECTED:
        faq.status = FaqStatus.DRAFT
        faq.save(update_fields=["status", "updated_at"])
    audit_log(
        action=audit_actions.FAQ_APPROVED
        if decision == ApprovalDecision.APPROVED
        else audit_actions.FAQ_REJECTED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code, "version": approval.version.number, "comment": comment},
    )
    return approval


@transaction.atomic
def faq_approve(*, actor: Any, faq: Faq, comment: str = "") -> FaqApproval:
    """City staff approve the version awaiting approval; an editor then publishes it."""
    return _decide(actor=actor, faq=faq, decision=ApprovalDecision.APPROVED, comment=comment)


@transaction.atomic
def faq_reject(*, actor: Any, faq: Faq, comment: str) -> FaqApproval:
    """City staff send the FAQ back to draft; the reason is required and recorded."""
    if not comment.strip():
        raise KnowledgeError(_("差戻しの理由を入力してください。"), field="comment")
    return _decide(actor=actor, faq=faq, decision=ApprovalDecision.REJECTED, comment=comment)


def approved_for_publication(faq: Faq) -> bool:
    """Is the FAQ awaiting approval and its current version approved by the city?"""
    latest = faq.approvals.order_by("-requested_at", "-id").select_related("version").first()
    return (
        faq.status == FaqStatus.AWAITING_APPROVAL
        and latest is not None
        and latest.decision == ApprovalDecision.APPROVED
        and latest.version.number == faq.version
    )


@transaction.atomic
def faq_publish(*, actor: Any, faq: Faq) -> Faq:
    """Publish an approved FAQ (FAQ-2): only the city-approved version goes out."""
    faq = _locked(faq)
    require_right(actor, faq.center, Action.FAQ_PUBLISH)
    if not approved_for_publication(faq):
        raise KnowledgeError(_("市の承認を受けたFAQだけを公開できます。"))
    faq.status = FaqStatus.PUBLISHED
    faq.published_at = timezone.now()
    faq.save(update_fields=["status", "published_at", "updated_at"])
    audit_log(
        action=audit_actions.FAQ_PUBLISHED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code, "version": faq.version},
    )
    return faq


@transaction.atomic
def faq_archive(*, actor: Any, faq: Faq) -> Faq:
    """Take a published FAQ off the public site and the operators' search."""
    faq = _locked(faq)
    require_right(actor, faq.center, Action.FAQ_PUBLISH)
    if faq.status != FaqStatus.PUBLISHED:
        raise KnowledgeError(_("公開中のFAQだけをアーカイブできます。"))
    faq.status = FaqStatus.ARCHIVED
    faq.save(update_fields=["status", "updated_at"])
    audit_log(
        action=audit_actions.FAQ_ARCHIVED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code},
    )
    return faq


@transaction.atomic
def faq_mark_reviewed(*, actor: Any, faq: Faq) -> Faq:
    """Record this year's review (FAQ-8); the next one is due a year from today."""
    faq = _locked(faq)
    require_right(actor, faq.center, Action.FAQ_EDIT)
    faq.reviewed_at = timezone.now()
    faq.review_due = _today() + REVIEW_INTERVAL
    faq.save(update_fields=["reviewed_at", "review_due", "updated_at"])
    audit_log(
        action=audit_actions.FAQ_REVIEWED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code, "review_due": faq.review_due},
    )
    return faq


@transaction.atomic
def faq_delete(*, actor: Any, faq: Faq) -> None:
    """Delete a draft that was never published; anything published is archived instead."""
    faq = _locked(faq)
    require_right(actor, faq.center, Action.FAQ_EDIT)
    if faq.status != FaqStatus.DRAFT or faq.published_at is not None:
        raise KnowledgeError(
            _(
                "削除できるのは一度も公開していない下書きだけです。公開済みはアーカイブしてください。"
            )
        )
    if faq.uses.exists():
        raise KnowledgeError(_("応対で使用されたFAQは削除できません。"))
    audit_log(
        action=audit_actions.FAQ_DELETED,
        actor=actor,
        center=faq.center,
        obj=faq,
        data={"code": faq.code, "version": faq.version},
    )
    files = [a.file for a in faq.attachments.all()]
    faq.approvals.all().delete()
    faq.delete()
    _delete_files_on_commit(files)


# --- categories and synonyms ------------------------------------------------------------


@transaction.atomic
def category_create(
    *,
    actor: Any,
    center: Center,
    axis: str,
    slug: str,
    name: str,
    names: dict[str, str] | None = None,
    parent: Category | None = None,
    order: int = 0,
) -> Category:
    """Add a category on one axis; ``names`` holds optional en/zh-hans/ko names."""
    require_right(actor, center, Action.FAQ_EDIT)
    if axis not in Axis.values:
        raise KnowledgeError(_("分類軸を選んでください。"), field="axis")
    name = name.strip()
    if not name:
        raise KnowledgeError(_("分類の名称を入力してください。"), field="name")
    if not re.fullmatch(r"[a-z0-9][a-z0-9\-]{0,59}", slug):
        raise KnowledgeError(
            _("識別子は半角英小文字・数字・ハイフンで入力してください。"), field="slug"
        )
    if Category.objects.filter(center=center, axis=axis, slug=slug).exists():
        raise KnowledgeError(_("この識別子は既に使われています。"), field="slug")
    if parent is not None and (parent.center_id != center.pk or parent.axis != axis):
        raise KnowledgeError(_("上位分類は同じ分類軸から選んでください。"), field="parent")
    names = names or {}
    category = Category.objects.create(
        center=center,
        axis=axis,
        slug=slug,
        name=name,
        name_en=names.get("en", ""),
        name_zh_hans=names.get("zh-hans", ""),
        name_ko=names.get("ko", ""),
        parent=parent,
        order=order,
    )
    audit_log(
        action=audit_actions.CATEGORY_CREATED,
        actor=actor,
        center=center,
        obj=category,
        data={"axis": axis, "slug": slug},
    )
    return category


def _may_edit_synonyms(actor: Any, center: Center) -> None:
    """Operators (who meet the wording of citizens) and FAQ editors edit synonyms."""
    if actor is None:
        return
    if not (
        has_permission(actor, center, Action.FAQ_EDIT)
        or has_permission(actor, center, Action.INTERACTION_CREATE)
    ):
        raise KnowledgeError(_("この操作を行う権限がありません。"))


def _clean_term(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split())[:100]


@transaction.atomic
def synonym_add(*, actor: Any, center: Center, term: str, alternatives: Iterable[str]) -> Synonym:
    """Add ``term`` = ``alternatives`` to the dictionary, merging with an existing entry."""
    _may_edit_synonyms(actor, center)
    term = _clean_term(term)
    alts = [a for a in dict.fromkeys(_clean_term(a) for a in alternatives) if a and a != term]
    if not term:
        raise KnowledgeError(_("語を入力してください。"), field="term")
    if not alts:
        raise KnowledgeError(_("言い換えを1つ以上入力してください。"), field="alternatives")
    for value in [term, *alts]:
        _refuse_pii("term", value)
    synonym = Synonym.objects.select_for_update().filter(center=center, term=term).first()
    if synonym is None:
        synonym = Synonym(center=center, term=term, alternatives=alts, created_by=_user(actor))
    else:
        kept = synonym.alternatives if synonym.is_active else []
        synonym.alternatives = list(dict.fromkeys([*kept, *alts]))
        synonym.is_active = True
    synonym.save()
    audit_log(
        action=audit_actions.SYNONYM_ADDED,
        actor=actor,
        center=center,
        obj=synonym,
        data={"term": term, "alternatives": synonym.alternatives},
    )
    return synonym


@transaction.atomic
def synonym_remove(*, actor: Any, synonym: Synonym) -> Synonym:
    """Deactivate an entry (kept, so the removal stays visible)."""
    _may_edit_synonyms(actor, synonym.center)
    synonym.is_active = False
    synonym.save(update_fields=["is_active", "updated_at"])
    audit_log(
        action=audit_actions.SYNONYM_REMOVED,
        actor=actor,
        center=synonym.center,
        obj=synonym,
        data={"term": synonym.term},
    )
    return synonym


# --- use in interactions (FAQ-4) --------------------------------------------------------


@transaction.atomic
def faq_mark_used(*, actor: Any, interaction: Interaction, faq: Faq) -> FaqUse:
    """Record that ``faq`` answered ``interaction``: a FaqUse row (counted once per pair),
    the FAQ-ID in the interaction's ``faq_ids`` and a FAQ_USED timeline event."""
    interaction = Interaction.objects.select_for_update().get(pk=interaction.pk)
    center = interaction.center
    require_right(actor, center, Action.INTERACTION_CREATE)
    if faq.center_id != center.pk:
        raise KnowledgeError(_("別のセンターのFAQは使用できません。"), field="faq")
    if faq.status != FaqStatus.PUBLISHED:
        raise KnowledgeError(_("公開中のFAQだけを使用記録できます。"), field="faq")
    existing = FaqUse.objects.filter(faq=faq, interaction=interaction).first()
    if existing is not None:
        return existing
    use = FaqUse.objects.create(
        faq=faq, interaction=interaction, operator=_user(actor), used_at=timezone.now()
    )
    codes = list(interaction.faq_ids or [])
    if faq.code not in codes:
        codes.append(faq.code)
        Interaction.objects.filter(pk=interaction.pk).update(faq_ids=codes)
        interaction.faq_ids = codes
    interaction_events.faq_used_event(interaction=interaction, actor=actor, faq_ids=[faq.code])
    audit_log(
        action=audit_actions.FAQ_USED,
        actor=actor,
        center=center,
        obj=faq,
        data={"code": faq.code, "interaction_id": interaction.pk},
    )
    return use


def faq_uses_sync(*, actor: Any, interaction: Interaction) -> list[FaqUse]:
    """Count the FAQs an interaction was recorded with (its ``faq_ids``, e.g. chosen in the
    operator desk's pane before the record existed) as uses (FAQ-4): one FaqUse per
    published FAQ of the center not counted yet. The interaction service already wrote the
    FAQ_USED timeline event; unknown FAQ-IDs are left as typed."""
    center = interaction.center
    require_right(actor, center, Action.INTERACTION_CREATE)
    codes = [str(code) for code in interaction.faq_ids or []]
    counted = set(
        FaqUse.objects.filter(interaction=interaction).values_list("faq__code", flat=True)
    )
    created = []
    for faq in Faq.objects.filter(center=center, code__in=codes, status=FaqStatus.PUBLISHED):
        if faq.code in counted:
            continue
        created.append(
            FaqUse.objects.create(
                faq=faq, interaction=interaction, operator=_user(actor), used_at=timezone.now()
            )
        )
        audit_log(
            action=audit_actions.FAQ_USED,
            actor=actor,
            center=center,
            obj=faq,
            data={"code": faq.code, "interaction_id": interaction.pk},
        )
    return created


# --- search log (FAQ-8) -----------------------------------------------------------------

_DIGITS = re.compile(r"\d")


def mask_query(query: str) -> str:
    """NFKC, collapse spaces, every digit → ``#``, at most 200 characters."""
    text = " ".join(unicodedata.normalize("NFKC", query).split())
    return _DIGITS.sub("#", text)[:200]


def week_start(at: datetime) -> date:
    """Monday of the ISO week of ``at`` in Asia/Tokyo."""
    day = timezone.localtime(at).date()
    return day - timedelta(days=day.weekday())


def search_log_record(
    *,
    center: Center,
    language: str,
    channel: str,
    query: str,
    strict_hit: bool,
    had_results: bool,
    at: datetime | None = None,
) -> SearchLog | None:
    """Count one search in this week's row for the masked query (no user identifiers)."""
    text = mask_query(query)
    if not text or channel not in SearchChannel.values or language not in LANGUAGES:
        return None
    at = at or timezone.now()
    key = {
        "center": center,
        "week_start": week_start(at),
        "language": language,
        "channel": channel,
        "query": text,
    }
    values = {"strict_hit": strict_hit, "had_results": had_results, "last_searched_at": at}
    for _attempt in range(2):
        updated = SearchLog.objects.filter(**key).update(count=F("count") + 1, **values)
        if updated:
            return SearchLog.objects.get(**key)
        try:
            with transaction.atomic():
                return SearchLog.objects.create(**key, **values, count=1)
        except IntegrityError:  # another process created the row first: count on it
            continue
    return None
