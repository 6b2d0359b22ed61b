"""Writes of the interactions context. Each validates first, so a refusal writes nothing
(no record, no timeline row, no audit event), then writes atomically and audits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.services import audit_log
from madoguchi.calls.models import Call, Voicemail, VoicemailStatus
from madoguchi.interactions import audit_actions, events
from madoguchi.interactions.errors import InteractionsError
from madoguchi.interactions.models import (
    CLOSING_RESULTS,
    DEPARTMENT_OUTCOMES,
    OPEN_ESCALATION_STATUSES,
    URGENT_KINDS,
    Callback,
    CallbackAttempt,
    CallbackResult,
    CallbackStatus,
    Category,
    Channel,
    Escalation,
    EscalationStatus,
    Interaction,
    InteractionEventType,
    InteractionKind,
    Outcome,
)
from madoguchi.pii import refuse_special_care_numbers
from madoguchi.tenancy.calendars import TOKYO, CalendarRules
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import (
    Calendar,
    Center,
    Department,
    Language,
    RetentionKind,
    RetentionPeriod,
)
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


@transaction.atomic
def category_change(
    *, actor: Any, category: Category, name: str, order: int, is_active: bool
) -> Category:
    """Rename, reorder or retire a category. A retired category stays on old records and
    disappears from the desk's buttons and forms; it is never deleted (CON-1)."""
    name = name.strip()
    if not name:
        raise InteractionsError(_("分類の名称を入力してください。"), field="name")
    _refuse_pii(name=name)
    clash = Category.objects.filter(
        center_id=category.center_id, parent_id=category.parent_id, name=name
    ).exclude(pk=category.pk)
    if clash.exists():
        raise InteractionsError(
            _("「%(name)s」は同じ階層に既にあります。") % {"name": name}, field="name"
        )
    before = {"name": category.name, "order": category.order, "is_active": category.is_active}
    category.name, category.order, category.is_active = name, order, is_active
    category.save(update_fields=["name", "order", "is_active"])
    audit_log(
        action=audit_actions.CATEGORY_CHANGED,
        actor=actor,
        center=category.center,
        obj=category,
        data={"before": before, "after": {"name": name, "order": order, "is_active": is_active}},
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
            # A callback request's number is the same caller's: it goes with the record.
            Callback.objects.filter(interaction_id__in=chunk).update(number="")
            events.personal_data_expired_events(interaction_ids=chunk, at=now)
        audit_log(
            action=audit_actions.PERSONAL_DATA_EXPIRED,
            actor=None,
            center=Center.objects.get(pk=center_id),
            data={"count": len(ids), "interaction_ids": ids, "fields": ["caller_number"]},
        )
    # Callbacks from voicemail have no record: they expire on their own deadline.
    Callback.objects.filter(interaction__isnull=True, personal_data_expires_at__lte=now).exclude(
        number=""
    ).update(number="")
    return total


# Fields an edit may change; the caller's number is only ever listed by name.
_EDITABLE = ("kind", "category_id", "summary", "answer", "faq_ids", "outcome", "department_id")


@transaction.atomic
def interaction_update(
    *,
    actor: Any,
    interaction: Interaction,
    kind: str,
    summary: str,
    answer: str,
    outcome: str,
    category: Category | None,
    department: Department | None,
    faq_ids: Iterable[int | str] = (),
) -> Interaction:
    """Correct a record after the fact (CON-1): the same rules as recording it, then one
    timeline row with the new version number and the previous values, and one audit event
    naming the fields. Nothing changed: nothing is written."""
    center = interaction.center
    if kind not in InteractionKind.values:
        raise InteractionsError(_("種別を選んでください。"), field="kind")
    if outcome not in Outcome.values:
        raise InteractionsError(_("結果を選んでください。"), field="outcome")
    summary, answer = summary.strip(), answer.strip()
    if not summary:
        raise InteractionsError(_("問合せ内容を入力してください。"), field="summary")
    _refuse_pii(summary=summary, answer=answer)
    if category is not None and category.center_id != center.pk:
        raise InteractionsError(_("分類はこのセンターの分類から選んでください。"), field="category")
    if department is not None and department.center_id != center.pk:
        raise InteractionsError(
            _("所管課はこのセンターの所管課から選んでください。"), field="department"
        )
    if outcome in DEPARTMENT_OUTCOMES and department is None:
        raise InteractionsError(
            _("取次ぎ・エスカレーションでは所管課を選んでください。"), field="department"
        )
    locked = Interaction.objects.select_for_update().get(pk=interaction.pk)
    new = {
        "kind": kind,
        "category_id": category.pk if category else None,
        "summary": summary,
        "answer": answer,
        "faq_ids": _faq_ids(faq_ids),
        "outcome": outcome,
        "department_id": department.pk if department else None,
    }
    before = {
        name: getattr(locked, name) for name in _EDITABLE if getattr(locked, name) != new[name]
    }
    if not before:
        return locked
    for name in before:
        setattr(locked, name, new[name])
    locked.urgent = kind in URGENT_KINDS
    locked.save(update_fields=[*before, "urgent"])
    version = locked.events.filter(type=InteractionEventType.UPDATED).count() + 2
    events.interaction_updated_event(
        interaction=locked, actor=actor, fields=before, version=version, before=before
    )
    audit_log(
        action=audit_actions.INTERACTION_UPDATED,
        actor=actor,
        center=center,
        obj=locked,
        data={"fields": sorted(before), "version": version},
    )
    return locked


def business_day_due(calendar: Calendar, *, start: datetime, business_days: int) -> date:
    """The ``business_days``-th open day of ``calendar`` after the day of ``start`` (Tokyo).

    Day 1 is the next open day: a request on Friday evening with 1 business day is due
    Monday, one on Dec 28 is due Jan 4 (Dec 29–Jan 3 closed) unless the calendar opens.
    """
    rules = CalendarRules(
        Calendar.objects.prefetch_related("hours", "exceptions").get(pk=calendar.pk)
    )
    day = start.astimezone(TOKYO).date()
    counted = 0
    for _offset in range(366 * 2):
        day += timedelta(days=1)
        if rules.day_hours(day).is_open_day:
            counted += 1
            if counted >= business_days:
                return day
    raise InteractionsError(
        _("営業日が見つかりません。所管課の開庁カレンダーを確認してください。"), field="due_on"
    )


@transaction.atomic
def escalation_create(
    *,
    actor: Any,
    interaction: Interaction,
    department: Department,
    request: str,
    business_days: int = 3,
    notify_email: str = "",
    now: datetime | None = None,
) -> Escalation:
    """Hand a contact to a department for an answer (CON-5). The due date is counted in
    the department's own calendar (its office may close when the center is open)."""
    if department.center_id != interaction.center_id:
        raise InteractionsError(
            _("所管課はこのセンターの所管課から選んでください。"), field="department"
        )
    request = request.strip()
    if not request:
        raise InteractionsError(_("依頼内容を入力してください。"), field="request")
    _refuse_pii(request=request)
    if not 1 <= business_days <= 30:
        raise InteractionsError(_("期限は1〜30営業日で指定してください。"), field="business_days")
    now = now or timezone.now()
    escalation = Escalation.objects.create(
        interaction=interaction,
        center=interaction.center,
        department=department,
        request=request,
        due_on=business_day_due(department.calendar, start=now, business_days=business_days),
        notify_email=notify_email.strip(),
        created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if not interaction.events.filter(type=InteractionEventType.ESCALATED).exists():
        events.escalated_event(interaction=interaction, actor=actor, department=department)
    audit_log(
        action=audit_actions.ESCALATION_CREATED,
        actor=actor,
        center=interaction.center,
        obj=escalation,
        data={
            "interaction_id": interaction.pk,
            "department_id": department.pk,
            "due_on": escalation.due_on.isoformat(),
        },
    )
    return escalation


def _escalation_locked(escalation: Escalation) -> Escalation:
    return (
        Escalation.objects.select_for_update().select_related("interaction").get(pk=escalation.pk)
    )


@transaction.atomic
def escalation_start(*, actor: Any, escalation: Escalation) -> Escalation:
    """The department has picked the case up (open → in progress)."""
    locked = _escalation_locked(escalation)
    if locked.status != EscalationStatus.OPEN:
        raise InteractionsError(_("この案件は既に着手されています。"), field="status")
    locked.status = EscalationStatus.IN_PROGRESS
    locked.started_at = timezone.now()
    locked.save(update_fields=["status", "started_at"])
    audit_log(
        action=audit_actions.ESCALATION_STARTED, actor=actor, center=locked.center, obj=locked
    )
    return locked


@transaction.atomic
def escalation_report(*, actor: Any, escalation: Escalation, report: str) -> Escalation:
    """The department reports the case done, saying what it did (CON-5)."""
    locked = _escalation_locked(escalation)
    if locked.status not in OPEN_ESCALATION_STATUSES:
        raise InteractionsError(_("この案件は既に完了報告されています。"), field="status")
    report = report.strip()
    if not report:
        raise InteractionsError(_("対応結果を入力してください。"), field="report")
    _refuse_pii(report=report)
    locked.status = EscalationStatus.REPORTED
    locked.report = report
    locked.reported_at = timezone.now()
    locked.reported_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["status", "report", "reported_at", "reported_by"])
    events.escalation_reported_event(
        interaction=locked.interaction, actor=actor, escalation_id=locked.pk
    )
    audit_log(
        action=audit_actions.ESCALATION_REPORTED, actor=actor, center=locked.center, obj=locked
    )
    return locked


@transaction.atomic
def escalation_confirm(*, actor: Any, escalation: Escalation) -> Escalation:
    """City staff confirm the department's report; the daily report shows it (CON-5)."""
    locked = _escalation_locked(escalation)
    if locked.status != EscalationStatus.REPORTED:
        raise InteractionsError(_("所管課の完了報告の後に確認してください。"), field="status")
    locked.status = EscalationStatus.CONFIRMED
    locked.confirmed_at = timezone.now()
    locked.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    events.escalation_confirmed_event(
        interaction=locked.interaction, actor=actor, escalation_id=locked.pk
    )
    audit_log(
        action=audit_actions.ESCALATION_CONFIRMED, actor=actor, center=locked.center, obj=locked
    )
    return locked


@transaction.atomic
def escalation_remind(*, now: datetime | None = None) -> list[Escalation]:
    """The daily reminder job (CON-5): every case not yet reported that is due today or
    overdue, and not reminded today, is flagged (``reminded_at``, shown in the console)
    and, when it has a contact address, mailed to the department after commit.
    Returns the cases reminded."""
    now = now or timezone.now()
    today = now.astimezone(TOKYO).date()
    day_start = datetime.combine(today, datetime.min.time(), tzinfo=TOKYO)
    due = list(
        Escalation.objects.select_for_update()
        .select_related("department", "center")
        .filter(status__in=OPEN_ESCALATION_STATUSES, due_on__lte=today)
        .exclude(reminded_at__gte=day_start)
        .order_by("center_id", "due_on", "pk")
    )
    for escalation in due:
        escalation.reminded_at = now
        escalation.reminder_count += 1
        escalation.save(update_fields=["reminded_at", "reminder_count"])
        audit_log(
            action=audit_actions.ESCALATION_REMINDED,
            actor=None,
            center=escalation.center,
            obj=escalation,
            data={"due_on": escalation.due_on.isoformat(), "mailed": bool(escalation.notify_email)},
        )
    mails = [
        (
            e.notify_email,
            f"【二次対応の期限】{e.department.name}（期限 {e.due_on:%Y-%m-%d}）",
            (
                f"{e.center.name} から依頼した二次対応（番号 {e.pk}）の回答期限は "
                f"{e.due_on:%Y年%m月%d日} です。\n"
                "対応が終わりましたら、コンソールの「二次対応・折り返し」から完了を報告してください。\n"
            ),
        )
        for e in due
        if e.notify_email
    ]
    if mails:
        transaction.on_commit(lambda: _send_reminders(mails))
    return due


def _send_reminders(mails: list[tuple[str, str, str]]) -> None:
    from django.core.mail import send_mail

    for address, subject, body in mails:
        # A mail server outage must not undo the reminders: the console flag stands.
        send_mail(subject, body, None, [address], fail_silently=True)


@transaction.atomic
def callback_request(
    *,
    actor: Any,
    center: Center,
    number: str,
    preferred_time: str = "",
    interaction: Interaction | None = None,
    voicemail: Voicemail | None = None,
    department: Department | None = None,
    now: datetime | None = None,
) -> Callback:
    """Promise a call back (TEL-11), from a contact or from a voicemail message.

    Due the center's next business day. The number is stored in E.164 and expires with
    the record (or, for a voicemail, with the center's interaction retention period).
    """
    if interaction is not None and interaction.center_id != center.pk:
        raise InteractionsError(_("この応対は別のセンターの応対です。"), field="interaction")
    if voicemail is not None and voicemail.call.center_id != center.pk:
        raise InteractionsError(_("この留守番電話は別のセンターのものです。"), field="voicemail")
    if voicemail is not None and Callback.objects.filter(voicemail=voicemail).exists():
        raise InteractionsError(_("この留守番電話の折り返しは登録済みです。"), field="voicemail")
    if department is not None and department.center_id != center.pk:
        raise InteractionsError(
            _("所管課はこのセンターの所管課から選んでください。"), field="department"
        )
    e164 = _number(number, field="callback_number")
    if not e164:
        raise InteractionsError(
            _("折り返し先の電話番号を入力してください。"), field="callback_number"
        )
    preferred_time = preferred_time.strip()
    _refuse_pii(callback_preferred_time=preferred_time)
    now = now or timezone.now()
    calendar = department.calendar if department is not None else center.calendar
    expires = (
        interaction.personal_data_expires_at
        if interaction is not None
        else _personal_data_expiry(center, now)
    )
    callback = Callback.objects.create(
        center=center,
        interaction=interaction,
        voicemail=voicemail,
        department=department,
        number=e164,
        preferred_time=preferred_time,
        due_on=business_day_due(calendar, start=now, business_days=1),
        created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        personal_data_expires_at=expires,
    )
    if voicemail is not None:
        Voicemail.objects.filter(pk=voicemail.pk, status=VoicemailStatus.NEW).update(
            status=VoicemailStatus.ASSIGNED
        )
    if (
        interaction is not None
        and not interaction.events.filter(type=InteractionEventType.CALLBACK_REQUESTED).exists()
    ):
        events.callback_requested_event(interaction=interaction, actor=actor, department=department)
    audit_log(
        action=audit_actions.CALLBACK_REQUESTED,
        actor=actor,
        center=center,
        obj=callback,
        data={
            "interaction_id": interaction.pk if interaction else None,
            "voicemail_id": voicemail.pk if voicemail else None,
            "department_id": department.pk if department else None,
            "due_on": callback.due_on.isoformat(),
        },
    )
    return callback


@transaction.atomic
def callback_attempt_log(
    *,
    actor: Any,
    callback: Callback,
    result: str,
    note: str = "",
    call: Call | None = None,
    at: datetime | None = None,
) -> CallbackAttempt:
    """Log one outbound try (TEL-11): who, when, the result, and the call when it went
    through the phone system. Reaching the person (or a wrong number) closes the request;
    a voicemail's message is then marked called back."""
    locked = Callback.objects.select_for_update().get(pk=callback.pk)
    if locked.status in (CallbackStatus.DONE, CallbackStatus.CANCELLED):
        raise InteractionsError(_("この折り返しは既に終わっています。"), field="result")
    if result not in CallbackResult.values:
        raise InteractionsError(_("結果を選んでください。"), field="result")
    note = note.strip()
    _refuse_pii(note=note)
    if call is not None and call.center_id != locked.center_id:
        raise InteractionsError(_("この通話は別のセンターの通話です。"), field="call")
    attempt = CallbackAttempt.objects.create(
        callback=locked,
        at=_aware(at, field="at") if at else timezone.now(),
        by=actor if getattr(actor, "is_authenticated", False) else None,
        result=result,
        note=note,
        call=call,
    )
    locked.status = CallbackStatus.DONE if result in CLOSING_RESULTS else CallbackStatus.IN_PROGRESS
    locked.save(update_fields=["status"])
    if locked.status == CallbackStatus.DONE and locked.voicemail_id is not None:
        Voicemail.objects.filter(pk=locked.voicemail_id).update(status=VoicemailStatus.CALLED_BACK)
    if locked.interaction_id is not None:
        assert locked.interaction is not None  # noqa: S101
        events.callback_attempted_event(
            interaction=locked.interaction, actor=actor, callback_id=locked.pk, result=result
        )
    audit_log(
        action=audit_actions.CALLBACK_ATTEMPTED,
        actor=actor,
        center=locked.center,
        obj=locked,
        data={"result": result, "call_id": str(call.pk) if call else None},
    )
    return attempt


@transaction.atomic
def contact_record(
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
    language: str = "ja",
    escalation_days: int = 3,
    escalation_email: str = "",
    callback_number: str = "",
    callback_preferred_time: str = "",
    callback: bool = False,
) -> Interaction:
    """What the desk's record form does in one transaction: the record (CON-1), an
    escalation to the department when the outcome is "escalated" (CON-5), and a callback
    request when asked (TEL-11; the number defaults to the caller's). Any refusal writes
    nothing at all."""
    interaction = interaction_record(
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
        language=language,
    )
    if outcome == Outcome.ESCALATED:
        assert department is not None  # noqa: S101  (checked by interaction_record)
        escalation_create(
            actor=actor,
            interaction=interaction,
            department=department,
            request=summary,
            business_days=escalation_days,
            notify_email=escalation_email,
        )
    if callback:
        callback_request(
            actor=actor,
            center=center,
            number=callback_number or caller_number,
            preferred_time=callback_preferred_time,
            interaction=interaction,
            department=department if outcome == Outcome.ESCALATED else None,
        )
    return interaction
