"""Writes of the tenancy context. Each validates, writes atomically and audits."""

from __future__ import annotations

import unicodedata
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.services import audit_log
from madoguchi.tenancy import audit_actions
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import (
    Calendar,
    CalendarException,
    Center,
    DayType,
    Department,
    ExceptionKind,
    InboundNumber,
    Language,
    NumberKind,
    OpeningHours,
    RetentionKind,
    RetentionPeriod,
)
from madoguchi.tenancy.phone import phone_normalize

_CENTER_FIELDS = {
    "name",
    "name_en",
    "kind",
    "description",
    "languages",
    "line_count",
    "overflow_action",
    "target_answer_rate",
    "target_asa_seconds",
    "target_first_contact_completion",
    "target_first_answer_rate",
    "target_csat",
    "operation_started_on",
}


def _full_clean(center: Center) -> None:
    """Model validation as the context's error, naming the first field at fault."""
    try:
        center.full_clean(exclude=["calendar"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise TenancyError(" ".join(messages), field=field) from exc


@transaction.atomic
def center_upsert(*, actor: Any, slug: str, **fields: Any) -> Center:
    """Create the center ``slug`` or update the given fields; a new center gets a calendar."""
    unknown = set(fields) - _CENTER_FIELDS
    if unknown:
        raise TenancyError(f"unknown center fields: {sorted(unknown)}")
    languages = fields.get("languages")
    if languages is not None:
        valid = set(Language.values)
        if not languages or "ja" not in languages or not set(languages) <= valid:
            raise TenancyError(_("対応言語には日本語を含め、ja/en/zh-hans/ko から選んでください。"))
    center = Center.objects.select_for_update().filter(slug=slug).first()
    if center is None:
        fields.setdefault("languages", ["ja"])
        center = Center(slug=slug, **fields)
        _full_clean(center)
        center.calendar = Calendar.objects.create(name=center.name)
        center.save()
        audit_log(action=audit_actions.CENTER_CREATED, actor=actor, center=center, obj=center)
        return center
    changed = {k: v for k, v in fields.items() if getattr(center, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(center, key, value)
        _full_clean(center)
        center.save()
        audit_log(
            action=audit_actions.CENTER_UPDATED,
            actor=actor,
            center=center,
            obj=center,
            data={"changed": sorted(changed)},
        )
    return center


@transaction.atomic
def calendar_year_end_set(
    *, actor: Any, calendar: Calendar, closed: bool, center: Center | None = None
) -> Calendar:
    """Whether the calendar closes from Dec 29 to Jan 3."""
    if calendar.year_end_closure != closed:
        calendar.year_end_closure = closed
        calendar.save(update_fields=["year_end_closure"])
        audit_log(
            action=audit_actions.YEAR_END_SET,
            actor=actor,
            center=center,
            obj=calendar,
            data={"year_end_closure": closed},
        )
    return calendar


def _check_hours(opens: time | None, closes: time | None) -> None:
    if opens is None or closes is None:
        raise TenancyError(_("開始時刻と終了時刻を入力してください。"), field="opens")
    if opens >= closes:
        raise TenancyError(_("終了時刻は開始時刻より後にしてください。"), field="closes")


@transaction.atomic
def calendar_hours_set(
    *,
    actor: Any,
    calendar: Calendar,
    day_type: DayType,
    opens: time | None,
    closes: time | None,
    center: Center | None = None,
) -> Calendar:
    """Set the hours for one day type; ``opens``/``closes`` both None closes that day type."""
    if opens is None and closes is None:
        OpeningHours.objects.filter(calendar=calendar, day_type=day_type).delete()
    else:
        _check_hours(opens, closes)
        assert opens is not None and closes is not None  # noqa: S101  (checked just above)
        OpeningHours.objects.update_or_create(
            calendar=calendar, day_type=day_type, defaults={"opens": opens, "closes": closes}
        )
    audit_log(
        action=audit_actions.HOURS_SET,
        actor=actor,
        center=center,
        obj=calendar,
        data={"day_type": str(day_type), "opens": opens, "closes": closes},
    )
    return calendar


@transaction.atomic
def calendar_exception_set(
    *,
    actor: Any,
    calendar: Calendar,
    day: date,
    kind: ExceptionKind,
    opens: time | None = None,
    closes: time | None = None,
    reason: str = "",
    center: Center | None = None,
) -> CalendarException:
    """A one-off closure, or changed hours for one date (replaces an earlier one)."""
    if kind == ExceptionKind.CLOSED:
        opens = closes = None
    else:
        _check_hours(opens, closes)
    exception, _created = CalendarException.objects.update_or_create(
        calendar=calendar,
        date=day,
        defaults={"kind": kind, "opens": opens, "closes": closes, "reason": reason.strip()},
    )
    audit_log(
        action=audit_actions.EXCEPTION_SET,
        actor=actor,
        center=center,
        obj=calendar,
        data={"date": day, "kind": str(kind), "opens": opens, "closes": closes, "reason": reason},
    )
    return exception


@transaction.atomic
def calendar_exception_remove(
    *, actor: Any, exception: CalendarException, center: Center | None = None
) -> None:
    audit_log(
        action=audit_actions.EXCEPTION_REMOVED,
        actor=actor,
        center=center,
        obj=exception.calendar,
        data={"date": exception.date, "kind": exception.kind},
    )
    exception.delete()


@transaction.atomic
def inbound_number_add(
    *, actor: Any, center: Center, number: str, kind: NumberKind, label: str = ""
) -> InboundNumber:
    """Register a number for ``center``; the same number cannot serve two centers."""
    if kind not in NumberKind.values:
        raise TenancyError(_("番号の種別を選んでください。"), field="kind")
    phone = phone_normalize(number)
    existing = InboundNumber.objects.filter(e164=phone.e164).select_related("center").first()
    if existing is not None:
        if existing.center_id != center.pk:
            raise TenancyError(
                _("%(number)s は既に「%(center)s」の番号です。")
                % {"number": phone.display, "center": existing.center.name},
                field="number",
            )
        if existing.kind != kind or existing.label != label:
            existing.kind, existing.label = kind, label
            existing.save(update_fields=["kind", "label"])
            audit_log(
                action=audit_actions.NUMBER_UPDATED,
                actor=actor,
                center=center,
                obj=existing,
                data={"number": existing.display, "kind": str(kind), "label": label},
            )
        return existing
    created = InboundNumber.objects.create(
        center=center, e164=phone.e164, display=phone.display, kind=kind, label=label
    )
    audit_log(
        action=audit_actions.NUMBER_ADDED,
        actor=actor,
        center=center,
        obj=created,
        data={"number": phone.display, "kind": str(kind)},
    )
    return created


@transaction.atomic
def inbound_number_remove(*, actor: Any, number: InboundNumber) -> None:
    audit_log(
        action=audit_actions.NUMBER_REMOVED,
        actor=actor,
        center=number.center,
        obj=number,
        data={"number": number.display},
    )
    number.delete()


@transaction.atomic
def department_upsert(
    *,
    actor: Any,
    center: Center,
    name: str,
    extension: str = "",
    external_number: str = "",
    address: str = "",
    parent: Department | None = None,
    is_contact_point: bool = False,
    calendar: Calendar | None = None,
) -> Department:
    """Create or update a department by name; without a calendar it gets office hours of
    its own (weekdays 08:30–17:15, closed weekends, holidays and Dec 29 – Jan 3)."""
    name = name.strip()
    if not name:
        raise TenancyError(_("所管課の名称を入力してください。"), field="name")
    extension = unicodedata.normalize("NFKC", extension).strip()
    if extension and not (extension.isascii() and extension.isdigit()):
        raise TenancyError(_("内線番号は数字で入力してください。"), field="extension")
    external = (
        phone_normalize(external_number, field="external_number") if external_number else None
    )
    if parent is not None and parent.center_id != center.pk:
        raise TenancyError(_("上位組織は同じセンターの所管課から選んでください。"), field="parent")
    department = Department.objects.filter(center=center, name=name).first()
    if department is None:
        if calendar is None:
            calendar = Calendar.objects.create(name=name)
            calendar_hours_set(
                actor=actor,
                calendar=calendar,
                day_type=DayType.WEEKDAY,
                opens=time(8, 30),
                closes=time(17, 15),
                center=center,
            )
        department = Department(center=center, name=name, calendar=calendar)
    elif calendar is not None:
        department.calendar = calendar
    department.extension = extension
    department.external_e164 = external.e164 if external else ""
    department.external_display = external.display if external else ""
    department.address = address.strip()
    department.parent = parent
    department.is_contact_point = is_contact_point
    department.save()
    audit_log(
        action=audit_actions.DEPARTMENT_SAVED,
        actor=actor,
        center=center,
        obj=department,
        data={"extension": extension, "external": department.external_display},
    )
    return department


@transaction.atomic
def retention_set(*, actor: Any, center: Center, kind: RetentionKind, days: int) -> RetentionPeriod:
    if days < 1:
        raise TenancyError(_("保存日数は1日以上にしてください。"), field="days")
    period, _created = RetentionPeriod.objects.update_or_create(
        center=center, kind=kind, defaults={"days": days}
    )
    audit_log(
        action=audit_actions.RETENTION_SET,
        actor=actor,
        center=center,
        obj=center,
        data={"kind": str(kind), "days": days},
    )
    return period
