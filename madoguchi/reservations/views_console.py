"""Console screens of the reservations context (RSV-3, RSV-5, RSV-12): operators find a
caller by coupon number and birth date, book, change or cancel with the read-back text;
managers keep venues, slots and the roster. Thin views: one permission, one service."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.permissions import Action
from madoguchi.audit.services import audit_access
from madoguchi.console.access import console_view
from madoguchi.console.forms import keep_error
from madoguchi.interactions.errors import InteractionsError
from madoguchi.interactions.models import Channel, InteractionKind, Outcome
from madoguchi.interactions.services import interaction_record
from madoguchi.reservations import audit_actions, selectors, services
from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.forms_console import (
    BookForm,
    ChangeForm,
    PersonFindForm,
    ProxyEntryForm,
    RosterImportForm,
    SlotEditForm,
    SlotsGenerateForm,
    VenueForm,
)
from madoguchi.reservations.forms_lists import VenueListForm
from madoguchi.reservations.models import Booking, BookingChannel, RosterEntry, Slot
from madoguchi.reservations.roster import roster_import
from madoguchi.reservations.venue_lists import venue_list_deliver
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center


def _center(request: HttpRequest) -> Center:
    center: Center | None = request.center  # type: ignore[attr-defined]
    if center is None:
        raise Http404
    return center


def _person(request: HttpRequest, pk: int) -> RosterEntry:
    return get_object_or_404(RosterEntry, pk=pk, center=_center(request))


def _booking(request: HttpRequest, reference: str) -> Booking:
    try:
        return selectors.booking_get(center=_center(request), reference=reference)
    except Booking.DoesNotExist as exc:
        raise Http404 from exc


# --- operators: find, book, change, cancel (RSV-3) ---------------------------------


def _home_page(
    request: HttpRequest,
    *,
    find: PersonFindForm | None = None,
    proxy: ProxyEntryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "reservations/console/home.html",
        {"find": find or PersonFindForm(), "proxy": proxy or ProxyEntryForm()},
        status=status,
    )


@console_view(Action.BOOKING_MANAGE)
def home(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _home_page(request)
    center = _center(request)
    form = PersonFindForm(request.POST)
    if form.is_valid():
        try:
            person = services.person_find(
                center=center,
                coupon_number=form.cleaned_data["coupon_number"],
                birth_date=form.cleaned_data["birth_date"],
            )
        except ReservationsError as exc:
            keep_error(form, exc)
        else:
            return redirect("console:reservations_console:person", pk=person.pk)
    return _home_page(request, find=form, status=400)


@require_POST
@console_view(Action.BOOKING_MANAGE)
def proxy_entry(request: HttpRequest) -> HttpResponse:
    """RSV-12: a booking made in the city's outside system, logged as an interaction."""
    form = ProxyEntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            interaction_record(
                actor=request.user,
                center=_center(request),
                channel=Channel.PHONE,
                kind=InteractionKind.BOOKING,
                summary=_("%(system)s で代理予約（予約番号 %(reference)s）: %(summary)s") % data,
                answer=_("外部予約システムで予約しました。"),
                outcome=Outcome.COMPLETED,
            )
        except InteractionsError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("代理予約を応対履歴に登録しました。"))
            return redirect("console:reservations_console:home")
    return _home_page(request, proxy=form, status=400)


def _person_page(
    request: HttpRequest,
    person: RosterEntry,
    *,
    book: BookForm | None = None,
    change_forms: dict[int, ChangeForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    center = _center(request)
    services_qs = selectors.service_list(center=center)
    service = services_qs.filter(pk=request.GET.get("service") or 0).first() or services_qs.first()
    venues = selectors.venue_list(center=center)
    venue = venues.filter(pk=request.GET.get("venue") or 0).first()
    days = selectors.slot_days(center=center, service=service, venue=venue) if service else []
    day = next((d for d in days if d.isoformat() == request.GET.get("day")), None)
    day = day or (days[0] if days else None)
    slots = (
        selectors.slot_list(center=center, service=service, venue=venue, day=day)
        if service and day
        else Slot.objects.none()
    )
    active = list(selectors.booking_active_for_person(person=person))
    book = book or BookForm(
        slots=slots,
        doses=service.doses if service else 1,
        initial={"key": services.idempotency_key_new(), "language": "ja"},
    )
    change_forms = change_forms or {}
    rows = []
    for b in active:
        choices = selectors.slot_list(
            center=center, service=b.service, available_only=True
        ).exclude(pk=b.slot_id)[:200]
        form = change_forms.get(b.pk) or ChangeForm(
            slots=choices,
            initial={"key": services.idempotency_key_new()},
            auto_id=f"change{b.pk}_%s",
        )
        rows.append(
            {
                "booking": b,
                "readback": selectors.booking_readback(b),
                "change": form,
                "cancel_key": services.idempotency_key_new(),
            }
        )
    audit_access(
        action=audit_actions.PERSON_LOOKED_UP,
        actor=request.user,
        center=center,
        obj=person,
        data={"bookings": [b.reference for b in active]},
    )
    return render(
        request,
        "reservations/console/person.html",
        {
            "person": person,
            "rows": rows,
            "history": selectors.booking_list_for_person(person=person).exclude(status="active")[
                :20
            ],
            "book": book,
            "services": services_qs,
            "service": service,
            "venues": venues,
            "venue": venue,
            "days": days,
            "day": day,
        },
        status=status,
    )


@console_view(Action.BOOKING_MANAGE)
def person(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, _person(request, pk))


@require_POST
@console_view(Action.BOOKING_MANAGE)
def book(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _person(request, pk)
    center = _center(request)
    slots = selectors.slot_list(center=center)
    chosen = slots.filter(pk=request.POST.get("slot") or 0).first()
    form = BookForm(request.POST, slots=slots, doses=chosen.service.doses if chosen else 1)
    if form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.booking_create(
                actor=request.user,
                slot=data["slot"],
                person=entry,
                channel=BookingChannel.OPERATOR,
                idempotency_key=data["key"],
                dose=data["dose"],
                phone=data["phone"],
                email=data["email"] or "",
                language=data["language"],
            )
        except ReservationsError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("予約しました。読み上げ内容を確認してください。"))
            return redirect("console:reservations_console:booking", reference=booking.reference)
    return _person_page(request, entry, book=form, status=400)


@console_view(Action.BOOKING_MANAGE)
def booking_detail(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _booking(request, reference)
    audit_access(
        action=audit_actions.BOOKING_VIEWED,
        actor=request.user,
        center=booking.center,
        obj=booking,
    )
    return render(
        request,
        "reservations/console/booking.html",
        {
            "booking": booking,
            "readback": selectors.booking_readback(booking),
            "readback_caller": selectors.booking_readback(booking, language=booking.language)
            if booking.language != "ja"
            else "",
        },
    )


@require_POST
@console_view(Action.BOOKING_MANAGE)
def cancel(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _booking(request, reference)
    try:
        services.booking_cancel(
            actor=request.user, booking=booking, idempotency_key=request.POST.get("key", "")
        )
    except ReservationsError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("予約 %(ref)s を取り消しました。") % {"ref": booking.reference})
    return redirect("console:reservations_console:person", pk=booking.person_id)


@require_POST
@console_view(Action.BOOKING_MANAGE)
def change(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _booking(request, reference)
    slots = selectors.slot_list(center=_center(request), service=booking.service)
    form = ChangeForm(request.POST, slots=slots, auto_id=f"change{booking.pk}_%s")
    if form.is_valid():
        try:
            new = services.booking_change(
                actor=request.user,
                booking=booking,
                new_slot=form.cleaned_data["slot"],
                idempotency_key=form.cleaned_data["key"],
                channel=BookingChannel.OPERATOR,
            )
        except ReservationsError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("予約を変更しました。読み上げ内容を確認してください。"))
            return redirect("console:reservations_console:booking", reference=new.reference)
    return _person_page(request, booking.person, change_forms={booking.pk: form}, status=400)


# --- managers: venues, slots, roster (SLOT_MANAGE) ----------------------------------


@console_view(Action.SLOT_MANAGE)
def venues(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    form = VenueForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.venue_save(actor=request.user, center=center, **form.cleaned_data)
            except ReservationsError as exc:
                keep_error(form, exc)
            else:
                messages.success(request, _("会場を登録しました。"))
                return redirect("console:reservations_console:venues")
        status = 400
    return render(
        request,
        "reservations/console/venues.html",
        {"venues": selectors.venue_list(center=center, active_only=False), "form": form},
        status=status,
    )


def _slots_page(
    request: HttpRequest, *, form: SlotsGenerateForm | None = None, status: int = 200
) -> HttpResponse:
    center = _center(request)
    day = None
    if request.GET.get("day"):
        try:
            day = datetime.strptime(request.GET["day"], "%Y-%m-%d").date()  # noqa: DTZ007
        except ValueError:
            day = None
    day = day or timezone.now().astimezone(TOKYO).date()
    slots = selectors.slot_list_for_day(center=center, day=day)
    return render(
        request,
        "reservations/console/slots.html",
        {
            "form": form or SlotsGenerateForm(center=center, initial={"day": day}),
            "slots": slots,
            "day": day,
        },
        status=status,
    )


@console_view(Action.SLOT_MANAGE)
def slots(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _slots_page(request)
    center = _center(request)
    form = SlotsGenerateForm(request.POST, center=center)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.slots_generate(
                actor=request.user,
                venue=data["venue"],
                service=data["service"],
                first_start=datetime.combine(data["day"], data["first"], tzinfo=TOKYO),
                last_start=datetime.combine(data["day"], data["last"], tzinfo=TOKYO),
                minutes=data["minutes"],
                capacity=data["capacity"],
                web_capacity=data["web_capacity"],
            )
        except ReservationsError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, _("%(n)d件の枠を作成しました。") % {"n": len(created)})
            return redirect(
                f"{reverse('console:reservations_console:slots')}?day={data['day']:%Y-%m-%d}"
            )
    return _slots_page(request, form=form, status=400)


@require_POST
@console_view(Action.SLOT_MANAGE)
def slot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    slot = get_object_or_404(
        Slot.objects.select_related("venue__center"), pk=pk, venue__center=_center(request)
    )
    form = SlotEditForm(request.POST)
    day = slot.starts_at.astimezone(TOKYO).date()
    if form.is_valid():
        try:
            services.slot_update(
                actor=request.user,
                slot=slot,
                capacity=form.cleaned_data["capacity"],
                web_capacity=form.cleaned_data["web_capacity"],
                is_active=form.cleaned_data["is_active"],
                opens_at=slot.opens_at,
            )
        except ReservationsError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("枠を変更しました。"))
    else:
        messages.error(request, _("定員とWeb・LINE枠を数字で入力してください。"))
    return redirect(f"{reverse('console:reservations_console:slots')}?day={day:%Y-%m-%d}")


@console_view(Action.SLOT_MANAGE)
def roster(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    form = RosterImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = roster_import(
                    actor=request.user,
                    center=center,
                    data=upload.read(),
                    dry_run=form.cleaned_data["dry_run"],
                    filename=upload.name or "",
                )
            except ReservationsError as exc:
                keep_error(form, exc)
            else:
                status = 400 if result.errors else 200
    return render(
        request,
        "reservations/console/roster.html",
        {
            "form": form,
            "result": result,
            "count": RosterEntry.objects.filter(center=center).count(),
        },
        status=status,
    )


# --- venue lists (RSV-6, VENUE_LIST_VIEW) --------------------------------------------


@console_view(Action.VENUE_LIST_VIEW)
def venue_lists(request: HttpRequest) -> HttpResponse:
    """Deliver the encrypted list of a venue and day. A download returns the file; the
    password is put in a one-time message shown on the next page load."""
    center = _center(request)
    form = VenueListForm(request.POST or None, center=center)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                built = venue_list_deliver(
                    actor=request.user,
                    venue=data["venue"],
                    day=data["day"],
                    fmt=data["format"],
                    method=data["method"],
                    email=data["email"] or "",
                )
            except ReservationsError as exc:
                keep_error(form, exc)
            else:
                notice = _(
                    "%(name)s（%(rows)d件）のパスワード: %(password)s — "
                    "ファイルとは別の方法（電話など）で伝えてください。"
                ) % {"name": built.filename, "rows": built.rows, "password": built.password}
                if data["method"] == "email":
                    messages.success(request, _("メールで送付しました。") + notice)
                    return redirect("console:reservations_console:venue_lists")
                messages.info(request, notice)
                response = HttpResponse(built.content, content_type=built.content_type)
                response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
                response["Cache-Control"] = "no-store"
                return response
    return render(request, "reservations/console/venue_lists.html", {"form": form}, status=status)
