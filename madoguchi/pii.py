"""Refusing special-care numbers in free text (CON-8): My Number and payment cards.

Operators type summaries while talking; a caller's My Number (個人番号) or card number
must never be stored. Digits are read after NFKC (full-width digits count) and may be
separated by single spaces or hyphens, as people write them: ``1234 5678 9012``.
A 12-digit run with a valid My Number check digit, or a 13–19 digit run passing the
Luhn check, is refused. Longer or shorter runs (phone numbers, dates) are left alone.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A run of digits with at most one space or hyphen between two digits.
_RUN = re.compile(r"\d(?:[ \-]?\d)+")
_DASHES = str.maketrans({"‐": "-", "‑": "-", "–": "-", "—": "-", "−": "-", "ー": "-"})

MY_NUMBER_MESSAGE = _(
    "マイナンバー（個人番号）と思われる12桁の番号が含まれています。"
    "個人番号は記録できません。番号を削除してから保存してください。"
)
CARD_MESSAGE = _(
    "クレジットカード番号と思われる番号が含まれています。"
    "カード番号は記録できません。番号を削除してから保存してください。"
)


def my_number_is_valid(digits: str) -> bool:
    """The check digit of a 12-digit individual number (番号法施行令 第8条)."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = digits[:11]
    total = 0
    for n in range(1, 12):
        p = int(body[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def luhn_is_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def special_care_number(text: str) -> str | None:
    """``"my_number"`` or ``"card"`` when ``text`` holds such a number, else ``None``."""
    normalized = unicodedata.normalize("NFKC", text or "").translate(_DASHES)
    for match in _RUN.finditer(normalized):
        digits = re.sub(r"[ \-]", "", match.group())
        if len(digits) == 12 and my_number_is_valid(digits):
            return "my_number"
        if 13 <= len(digits) <= 19 and luhn_is_valid(digits):
            return "card"
    return None


def refuse_special_care_numbers(value: str) -> None:
    """Django validator for every free-text field."""
    found = special_care_number(value)
    if found == "my_number":
        raise ValidationError(MY_NUMBER_MESSAGE, code="my_number")
    if found == "card":
        raise ValidationError(CARD_MESSAGE, code="card_number")
