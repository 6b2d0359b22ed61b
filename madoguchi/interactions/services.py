"""Writes of the interactions context. Each validates first, so a refusal writes nothing
(no record, no timeline row, no audit event), then writes atomically and audits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.services import audit_log
from madoguchi.calls.models import Call
from madoguchi.interactions import audit_actions, events
from madoguchi.interactions.errors import InteractionsError
from madoguchi.interactions.models import (
    DEPARTMENT_OUTCOMES,
    URGENT_KINDS,
    Category,
    Channel,
    Interaction,
    InteractionKind,
    Outcome,
)
from madoguchi.pii import refuse_special_care_numbers
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Center, Department, Language, RetentionKind, RetentionPeriod
from madoguchi.tenancy.phone import phone_normalize


def _refuse_pii(**texts: str) -> None:
    """CON-8: a My Number or card number in any free-text field refuses the whole entry."""
    for field, text in texts.items():
        try:
            refuse_special_care_numbers(text)
        except ValidationError as exc:
            raise InteractionsError(exc.messages[0], field=field) from exc


def _number(raw: str, *, field: str) -> str:
    """E.164 of a number as typed, or "" when none was given."""
    if not (raw or "").strip():
        return ""
    try:
        return phone_normalize(raw, field=field).e164
    except TenancyError as exc:
        raise InteractionsError(exc.message, field=field) from exc


def _aware(value: datetime, *, field: str) -> datetime:
    if timezone.is_naive(value):
        raise InteractionsError(_("日時にはタイムゾーンが必要です。"), field=field)
    return value


@transaction.atomic
def category_create(
    *,
    actor: Any,
    center: Center,
    name: str,
    parent: Category | None = None,
    order: int | None = None,
) -> Category:
    """Add a category to the center's tree; without ``order`` it goes after its siblings."""
    name = name.strip()
    if not name:
        raise InteractionsError(_("分類の名称を入力してください。"), field="name")
    _refuse_pii(name=name)
    if parent is not None and parent.center_id != center.pk:
        raise InteractionsError(
            _("上位分類は同じセンターの分類から選んでください。"), field="parent"
        )
    siblings = Category.objects.filter(center=center, parent=parent)
    if siblings.filter(name=name).exists():
        raise InteractionsError(
            _("「%(name)s」は同じ階層に既にあります。") % {"name": name}, field="name"
        )
    if order is None:
        order = (siblings.aggregate(m=Max("order"))["m"] or 0) + 1
    category = Category.objects.create(center=center, parent=parent, name=name, order=order)
    audit_log(
        action=audit_actions.CATEGORY_CREATED,
        actor=actor,
        center=center,
        obj=category,
        data={"name": name, "parent_id": parent.pk if parent else None, "order": order},
    )
    return category


def _faq_ids(faq_ids: Iterable[int | str]) -> list[str]:
    """FAQ-IDs as strings, in the order used, each once (the knowledge app resolves them)."""
    seen: dict[str, None] = {}
    for raw in faq_ids:
        value = str(raw).strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _personal_data_expiry(center: Center, ended_at: datetime) -> datetime | None:
    period = RetentionPeriod.objects.filter(
        center=center, kind=RetentionKind.INTERACTION_PERSONAL
    ).first()
    return ended_at + timedelta(days=period.days) if period else None


@transaction.atomic
def interaction_record(
    *,
    actor: Any,
    center: Center,
    channel: str,
    kind: str,
    summary: str,
    answer: str,
    outcome: str,
    category: Category | None = None,
    department: Department | None = None,
    dialed_number: str = "",
    caller_number: str = "",
    faq_ids: Iterable[int | str] = (),
    call: Call | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    language: str = "ja",
) -> Interaction:
    """Record one contact right after handling (CON-1).

    Rules: category, department and call belong to ``center``; a hand-over or an
    escalation names the department; no free-text field holds a My Number or card number
    (CON-8); the caller's number is stored only when given (minimisation) and expires
    with the center's retention period for interaction personal data (none: kept).
    From a call, the dialed number and times default to the call's. A threat is flagged
    urgent (CON-3). Writes the record, its timeline and one audit event.
    """
    return _record(
        actor=actor,
        center=center,
        channel=channel,
        kind=kind,
        summary=summary,
        answer=answer,
        outcome=outcome,
        category=category,
        department=department,
        dialed_number=dialed_number,
        caller_number=caller_number,
        faq_ids=faq_ids,
        call=call,
        started_at=started_at,
        ended_at=ended_at,
        language=language,
        tally=False,
    )


@transaction.atomic
def interaction_tally(
    *,
    actor: Any,
    center: Center,
    category: Category,
    channel: str = Channel.PHONE,
    dialed_number: str = "",
    call: Call | None = None,
) -> Interaction:
    """The one-click record of a simple inquiry (CON-2): still one record per contact,
    an inquiry completed in center whose summary is the category's name."""
    return _record(
        actor=actor,
        center=center,
        channel=channel,
        kind=InteractionKind.INQUIRY,
        summary=category.name,
        answer="",
        outcome=Outcome.COMPLETED,
        category=category,
        department=None,
        dialed_number=dialed_number,
        caller_number="",
        faq_ids=(),
        call=call,
        started_at=None,
        ended_at=None,
        language="ja",
        tally=True,
    )


def _record(
    *,
    actor: Any,
    center: Center,
    channel: str,
    kind: str,
    summary: str,
    answer: str,
    outcome: str,
    category: Category | None,
    department: Department | None,
    dialed_number: str,
    caller_number: str,
    faq_ids: Iterable[int | str],
    call: Call | None,
    started_at: datetime | None,
    ended_at: datetime | None,
    language: str,
    tally: bool,
) -> Interaction:
    if channel not in Channel.values:
        raise InteractionsError(_("チャネルを選んでください。"), field="channel")
    if kind not in InteractionKind.values:
        raise InteractionsError(_("種別を選んでください。"), field="kind")
    if outcome not in Outcome.values:
        raise InteractionsError(_("結果を選んでください。"), field="outcome")
    if language not in Language.values:
        raise InteractionsError(_("言語は ja/en/zh-hans/ko から選んでください。"), field="language")
    summary, answer = summary.strip(), answer.strip()
    if not summary:
        raise InteractionsError(_("問合せ内容を入力してください。"), field="summary")
    _refuse_pii(summary=summary, answer=answer)
    if category is not None:
        if category.center_id != center.pk:
            raise InteractionsError(
                _("分類はこのセンターの分類から選んでください。"), field="category"
            )
        if not category.is_active:
            raise InteractionsError(
                _("分類「%(name)s」は使われていません。") % {"name": category.name},
                field="category",
            )
    if department is not None and department.center_id != center.pk:
        raise InteractionsError(
            _("所管課はこのセンターの所管課から選んでください。"), field="department"
        )
    if outcome in DEPARTMENT_OUTCOMES and department is None:
        raise InteractionsError(
            _("取次ぎ・エスカレーションでは所管課を選んでください。"), field="department"
        )
    if call is not None and call.center_id != center.pk:
        raise InteractionsError(_("この通話は別のセンターの通話です。"), field="call")
    dialed = _number(dialed_number or (call.dialed_number if call else ""), field="dialed_number")
    caller = _number(caller_number, field="caller_number")

    now = timezone.now()
    if call is not None:
        started_at = started_at or call.answered_at or call.arrived_at
        ended_at = ended_at or call.ended_at
    ended = _aware(ended_at or now, field="ended_at")
    started = _aware(started_at or ended, field="started_at")
    if ended < started:
        raise InteractionsError(_("終了は開始より後にしてください。"), field="ended_at")

    interaction = Interaction.objects.create(
        center=center,
        channel=channel,
        dialed_number=dialed,
        caller_number=caller,
        kind=kind,
        urgent=kind in URGENT_KINDS,
        category=category,
        summary=summary,
        answer=answer,
        faq_ids=_faq_ids(faq_ids),
        outcome=outcome,
        department=department,
        operator=actor if getattr(actor, "is_authenticated", False) else None,
        started_at=started,
        ended_at=ended,
        wrap_up_ended_at=now,
        language=language,
        call=call,
        personal_data_expires_at=_personal_data_expiry(center, ended),
    )
    _timeline(interaction, actor=actor, tally=tally)
    if call is not None:
        # The call row carries the first-contact facts its KPIs read (calls.models.Call).
        Call.objects.filter(pk=call.pk).update(
            resolved_in_center=interaction.completed_in_center,
            is_switchboard_transfer=outcome == Outcome.SWITCHBOARD_TRANSFER,
            category=category.name if category else "",
            faq_ids=interaction.faq_ids,
        )
    audit_log(
        action=audit_actions.INTERACTION_RECORDED,
        actor=actor,
        center=center,
        obj=interaction,
        data={
            "channel": channel,
            "kind": kind,
            "outcome": outcome,
            "category_id": category.pk if category else None,
            "department_id": department.pk if department else None,
            "call_id": str(call.pk) if call else None,
            "tally": tally,
        },
    )
    return interaction


def _timeline(interaction: Interaction, *, actor: Any, tally: bool) -> None:
    events.interaction_created_event(interaction=interaction, actor=actor, tally=tally)
    if interaction.faq_ids:
        events.faq_used_event(interaction=interaction, actor=actor, faq_ids=interaction.faq_ids)
    if interaction.kind == InteractionKind.CALLBACK_REQUEST:
        events.callback_requested_event(
            interaction=interaction, actor=actor, department=interaction.department
        )
    outcome = interaction.outcome
    if outcome == Outcome.ESCALATED:
        assert interaction.department is not None  # noqa: S101  (checked in _record)
        events.escalated_event(
            interaction=interaction, actor=actor, department=interaction.department
        )
    elif outcome in (Outcome.HANDED_TO_DEPARTMENT, Outcome.SWITCHBOARD_TRANSFER):
        events.transferred_event(
            interaction=interaction,
            actor=actor,
            department=interaction.department,
            switchboard=outcome == Outcome.SWITCHBOARD_TRANSFER,
        )
    else:
        events.completed_event(interaction=interaction, actor=actor)


# Ids per UPDATE: well under SQLite's limit on bound parameters.
_EXPIRY_CHUNK = 500


@transaction.atomic
def interaction_expire_personal_data(*, now: datetime | None = None) -> int:
    """The retention job (CON-8, SEC-4): blank the caller's number of every record whose
    personal-data deadline has come, and mark it expired.

    Summary and answer stay: they are the history reports need, and the PII guard keeps
    special-care data out of them. The deadline was fixed when the record was made, so a
    later change of the center's setting applies to new records only. Each record gets a
    timeline row; each center one audited deletion with the count and the record ids.
    Returns the number of records blanked.
    """
    now = now or timezone.now()
    due = Interaction.objects.select_for_update().filter(
        personal_data_expires_at__lte=now, personal_data_expired_at__isnull=True
    )
    by_center: dict[int, list[int]] = {}
    for pk, center_id in due.order_by("pk").values_list("pk", "center_id"):
        by_center.setdefault(center_id, []).append(pk)
    total = 0
    for center_id, ids in by_center.items():
        for start in range(0, len(ids), _EXPIRY_CHUNK):
            chunk = ids[start : start + _EXPIRY_CHUNK]
            total += Interaction.objects.filter(pk__in=chunk).update(
                caller_number="", personal_data_expired_at=now
            )
            events.personal_data_expired_events(interaction_ids=chunk, at=now)
        audit_log(
            action=audit_actions.PERSONAL_DATA_EXPIRED,
            actor=None,
            center=Center.objects.get(pk=center_id),
            data={"count": len(ids), "interaction_ids": ids, "fields": ["caller_number"]},
        )
    return total
