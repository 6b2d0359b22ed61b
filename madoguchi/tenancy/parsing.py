"""Parsing dates and times typed on the command line, with messages people can act on."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.errors import TenancyError


def parse_datetime_jst(raw: str, *, field: str = "at") -> datetime:
    """ISO 8601 date-time; without an offset it is read as Japan time (Asia/Tokyo)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise TenancyError(
            _("「%(value)s」は日時として読めません。2026-01-05T08:30 のように入力してください。")
            % {"value": raw},
            field=field,
        ) from None
    return value.replace(tzinfo=TOKYO) if value.tzinfo is None else value


def parse_date(raw: str, *, field: str = "date") -> date:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TenancyError(
            _("「%(value)s」は日付として読めません。2026-01-05 のように入力してください。")
            % {"value": raw},
            field=field,
        ) from None
