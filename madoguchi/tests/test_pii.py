"""CON-8: My Number and card numbers are recognised however they are typed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from madoguchi.pii import (
    luhn_is_valid,
    my_number_is_valid,
    refuse_special_care_numbers,
    special_care_number,
)

VALID_MY_NUMBER = "123456789018"  # the usual worked example: check digit 8


@pytest.mark.parametrize("check", "0123456789")
def test_exactly_one_check_digit_is_valid(check):
    assert my_number_is_valid("12345678901" + check) is (check == "8")


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("000000000000", True),  # all zeros: remainder 0 → check digit 0
        ("111111111118", True),
        ("111111111111", False),
        ("12345678901", False),  # 11 digits
        ("1234567890188", False),  # 13 digits
        ("12345678901a", False),
    ],
)
def test_my_number_check_digit(number, valid):
    assert my_number_is_valid(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),  # Visa test number
        ("5555555555554444", True),  # Mastercard test number
        ("378282246310005", True),  # American Express (15 digits)
        ("3530111333300000", True),  # JCB test number
        ("4111111111111112", False),
        ("5555555555554445", False),
    ],
)
def test_luhn(number, valid):
    assert luhn_is_valid(number) is valid


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("個人番号は123456789018です", "my_number"),
        ("1234 5678 9018", "my_number"),
        ("1234-5678-9018", "my_number"),
        ("１２３４５６７８９０１８", "my_number"),  # full-width digits
        ("１２３４－５６７８－９０１８", "my_number"),  # full-width hyphen
        ("カード 4111 1111 1111 1111 で支払い", "card"),
        ("4111-1111-1111-1111", "card"),
        ("３７８２８２２４６３１０００５", "card"),
        ("123456789017", None),  # wrong check digit
        ("4111 1111 1111 1112", None),  # fails Luhn
        ("電話 0246-22-1111 まで", None),
        ("2026-01-05 10:00 受付", None),
        ("郵便番号 970-8686", None),
        ("1234  5678  9018", None),  # two spaces: separate numbers
        ("", None),
    ],
)
def test_special_care_number_in_free_text(text, found):
    assert special_care_number(text) == found


def test_validator_messages_say_what_to_do():
    with pytest.raises(ValidationError) as my_number:
        refuse_special_care_numbers("1234 5678 9018")
    assert my_number.value.code == "my_number"
    assert "個人番号は記録できません" in my_number.value.messages[0]
    with pytest.raises(ValidationError) as card:
        refuse_special_care_numbers("4111111111111111")
    assert card.value.code == "card_number"
    refuse_special_care_numbers("住民票の写しの請求について")  # no error
