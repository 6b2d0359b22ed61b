"""Japanese phone numbers: one normalised form for storage, one for people."""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

import phonenumbers
from django.utils.translation import gettext_lazy as _

from madoguchi.tenancy.errors import TenancyError


class PhoneNumber(NamedTuple):
    e164: str  # +81246221111
    display: str  # 0246-22-1111


def phone_normalize(raw: str, *, field: str = "number") -> PhoneNumber:
    """Parse a number as written in Japan (full-width digits and hyphens accepted)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = text.replace("ー", "-").replace("−", "-").replace("‐", "-")
    if not text:
        raise TenancyError(_("電話番号を入力してください。"), field=field)
    try:
        parsed = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise TenancyError(
            _("「%(value)s」は電話番号として正しくありません（例: 0246-22-1111）。")
            % {"value": raw},
            field=field,
        )
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    display = national if parsed.country_code == 81 else e164
    return PhoneNumber(e164=e164, display=display)
