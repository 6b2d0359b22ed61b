"""Booking lists per venue and day (RSV-6), for city and venue staff.

Built from committed rows, as Excel (openpyxl) or PDF (fpdf2 with Noto Sans CJK from
Debian's fonts-noto-cjk), and always delivered encrypted: the xlsx with an Office
password (msoffcrypto-tool, ECMA-376 agile encryption), the PDF with AES-256
(fpdf2). A fresh random password is made per delivery and shown only to the person
who delivers it, to be told by phone — never in the same e-mail as the file. Every
delivery is audited (who, venue, day, format, method, number of rows; no password).
"""

from __future__ import annotations

import io
import smtplib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.audit.services import audit_log
from madoguchi.filecrypto import (
    PDF_FONT,
    japanese_font,
    password_new,
    pdf_add_japanese_font,
    pdf_protect,
    xlsx_encrypt,
)
from madoguchi.reservations import audit_actions
from madoguchi.reservations.errors import ReservationsError
from madoguchi.reservations.models import Booking, Venue
from madoguchi.reservations.selectors import venue_day_bookings
from madoguchi.tenancy.calendars import TOKYO

HEADERS = ["時間", "予約番号", "接種券番号", "生年月日", "回", "連絡先電話番号", "受付経路"]
XLSX = "xlsx"
PDF = "pdf"
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    PDF: "application/pdf",
}


@dataclass(frozen=True)
class VenueListFile:
    filename: str
    content: bytes
    content_type: str
    password: str
    rows: int


def _rows(bookings: list[Booking]) -> list[list[str]]:
    rows = []
    for b in bookings:
        starts = b.slot.starts_at.astimezone(TOKYO)
        ends = b.slot.ends_at.astimezone(TOKYO)
        rows.append(
            [
                f"{starts:%H:%M}〜{ends:%H:%M}",
                b.reference,
                b.person.coupon_number,
                f"{b.person.birth_date:%Y-%m-%d}",
                str(b.dose),
                b.phone,
                str(b.get_channel_display()),
            ]
        )
    return rows


def _title(venue: Venue, day: date) -> str:
    return f"{venue.name} {day:%Y年%m月%d日} 予約者名簿"


def _xlsx(venue: Venue, day: date, rows: list[list[str]], password: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.create_sheet(index=0)
    book.remove(book.worksheets[1])
    sheet.title = f"{day:%Y-%m-%d}"
    sheet.append([_title(venue, day)])
    sheet.append([f"{len(rows)}件"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCDEFG", [14, 12, 16, 12, 5, 16, 12], strict=True):
        sheet.column_dimensions[column].width = width
    plain = io.BytesIO()
    book.save(plain)
    return xlsx_encrypt(plain.getvalue(), password)


def _font() -> Path:
    path = japanese_font()
    if path is not None:
        return path
    raise ReservationsError(
        _("日本語フォントがありません（fonts-noto-cjk をインストールしてください）。"),
        field="format",
    )


def _pdf(venue: Venue, day: date, rows: list[list[str]], password: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf_add_japanese_font(pdf, _font())
    pdf.set_font(PDF_FONT, size=11)
    pdf.set_title(f"{day:%Y-%m-%d}")
    pdf_protect(pdf, password)
    pdf.add_page()
    pdf.cell(text=_title(venue, day), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text=f"{len(rows)}件", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    widths = (34, 30, 40, 30, 12, 40, 30)
    with pdf.table(col_widths=widths, text_align="LEFT") as table:
        table.row(HEADERS)
        for row in rows:
            table.row(row)
    return bytes(pdf.output())


def venue_list_build(*, venue: Venue, day: date, fmt: str) -> VenueListFile:
    """The encrypted list of a venue's active bookings on ``day`` (Tokyo)."""
    if fmt not in CONTENT_TYPES:
        raise ReservationsError(_("形式は Excel か PDF を選んでください。"), field="format")
    rows = _rows(list(venue_day_bookings(venue=venue, day=day)))
    password = password_new()
    content = (_xlsx if fmt == XLSX else _pdf)(venue, day, rows, password)
    return VenueListFile(
        filename=f"venue{venue.pk}-{day:%Y%m%d}.{fmt}",
        content=content,
        content_type=CONTENT_TYPES[fmt],
        password=password,
        rows=len(rows),
    )


@transaction.atomic
def venue_list_deliver(
    *, actor: Any, venue: Venue, day: date, fmt: str, method: str, email: str = ""
) -> VenueListFile:
    """Build the encrypted list and deliver it: ``download`` (the view sends the file)
    or ``email`` (sent to ``email`` or the venue's list address, without the password).
    Audited as an export either way."""
    if method not in {"download", "email"}:
        raise ReservationsError(_("受け渡し方法を選んでください。"), field="method")
    recipient = (email or venue.list_email).strip()
    if method == "email" and not recipient:
        raise ReservationsError(
            _("送付先のメールアドレスを入力するか、会場に登録してください。"), field="email"
        )
    built = venue_list_build(venue=venue, day=day, fmt=fmt)
    audit_log(
        action=audit_actions.VENUE_LIST_DELIVERED,
        actor=actor,
        center=venue.center,
        obj=venue,
        data={
            "day": day.isoformat(),
            "format": fmt,
            "method": method,
            "rows": built.rows,
            "to": recipient if method == "email" else "",
        },
    )
    if method == "email":
        message = EmailMessage(
            subject=f"{_title(venue, day)}（暗号化）",
            body=(
                f"{_title(venue, day)}を暗号化して添付します（{built.rows}件）。\n"
                "パスワードは別途お電話でお伝えします。\n"
            ),
            to=[recipient],
        )
        message.attach(built.filename, built.content, built.content_type)
        # Sent inside the transaction on purpose: a refused mail rolls the audit event
        # back and the user sees the error, so the log never claims a delivery that
        # did not happen.
        try:
            message.send(fail_silently=False)
        except (OSError, smtplib.SMTPException) as exc:
            raise ReservationsError(
                _("メールを送信できませんでした。時間をおいてもう一度お試しください。"),
                field="email",
            ) from exc
    return built
