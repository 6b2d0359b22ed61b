"""``phone_normalize``: Japanese numbers as people write them."""

from __future__ import annotations

import pytest

from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.phone import PhoneNumber, phone_normalize


@pytest.mark.parametrize(
    ("raw", "e164", "display"),
    [
        ("0246-22-1111", "+81246221111", "0246-22-1111"),
        ("0246221111", "+81246221111", "0246-22-1111"),
        ("０２４６－２２－１１１１", "+81246221111", "0246-22-1111"),  # full-width
        ("0246ー22ー1111", "+81246221111", "0246-22-1111"),  # katakana long vowel mark
        ("0246−22−1111", "+81246221111", "0246-22-1111"),  # minus sign
        ("0246‐22‐1111", "+81246221111", "0246-22-1111"),  # hyphen U+2010
        ("  0246 22 1111 ", "+81246221111", "0246-22-1111"),
        ("+81 246 22 1111", "+81246221111", "0246-22-1111"),
        ("+81-246-22-1111", "+81246221111", "0246-22-1111"),
        ("03-1234-5678", "+81312345678", "03-1234-5678"),
        ("011-211-2977", "+81112112977", "011-211-2977"),
        ("025-250-0700", "+81252500700", "025-250-0700"),
        ("097-510-5151", "+81975105151", "097-510-5151"),
        ("090-1234-5678", "+819012345678", "090-1234-5678"),
        ("0120-123-456", "+81120123456", "0120-123-456"),
        ("050-1234-5678", "+815012345678", "050-1234-5678"),
        # A foreign number is kept in international form for display.
        ("+1 202 555 0143", "+12025550143", "+12025550143"),
    ],
)
def test_phone_normalize_accepts(raw, e164, display):
    assert phone_normalize(raw) == PhoneNumber(e164=e164, display=display)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "電話番号を入力してください。"),
        ("   ", "電話番号を入力してください。"),
        ("0246-22-111", "「0246-22-111」は電話番号として正しくありません（例: 0246-22-1111）。"),
        ("abc", "「abc」は電話番号として正しくありません（例: 0246-22-1111）。"),
        ("123", "「123」は電話番号として正しくありません（例: 0246-22-1111）。"),
        ("110", "「110」は電話番号として正しくありません（例: 0246-22-1111）。"),
        (
            "0246-22-11111",
            "「0246-22-11111」は電話番号として正しくありません（例: 0246-22-1111）。",
        ),
    ],
)
def test_phone_normalize_refuses(raw, message):
    with pytest.raises(TenancyError) as excinfo:
        phone_normalize(raw)
    assert str(excinfo.value) == message
    assert excinfo.value.field == "number"


def test_phone_normalize_names_the_field_it_was_given():
    with pytest.raises(TenancyError) as excinfo:
        phone_normalize("abc", field="external_number")
    assert excinfo.value.field == "external_number"


def test_phone_normalize_treats_none_as_empty():
    with pytest.raises(TenancyError) as excinfo:
        phone_normalize(None)  # type: ignore[arg-type]
    assert str(excinfo.value) == "電話番号を入力してください。"
