"""Tenancy reads: centers, numbers, departments."""

from __future__ import annotations

from datetime import date, time

import pytest

from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.selectors import (
    calendar_days,
    calendar_next_open_day,
    center_for_number,
    center_get,
    center_list,
    department_list,
)
from madoguchi.tenancy.tests.factories import CenterFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def test_center_get(iwaki):
    assert center_get(slug="iwaki").pk == iwaki.pk


def test_center_get_unknown_slug():
    with pytest.raises(TenancyError) as excinfo:
        center_get(slug="kawasaki")
    assert str(excinfo.value) == "センター「kawasaki」はありません。"
    assert excinfo.value.field == "center"


CENTER_FOR_NUMBER = {
    "0246-22-1111": "iwaki",
    "+81246542111": "iwaki",
    "０２４６－２６－２１１１": "iwaki",
    "025-250-0700": "niigata",
    "097-510-5151": "oita",
    "011-211-2977": "sapporo",
    "03-1234-5678": None,  # a valid number nobody uses
    "abc": None,
    "": None,
}


def test_center_for_number(all_scenarios):
    found = {}
    for dialed in CENTER_FOR_NUMBER:
        center = center_for_number(number=dialed)
        found[dialed] = center.slug if center else None
    assert found == CENTER_FOR_NUMBER


def test_center_list_only_active_centers_in_kind_order(all_scenarios):
    CenterFactory.create(slug="closed-center", is_active=False)
    listed = list(center_list())
    assert [c.slug for c in listed] == ["iwaki", "niigata", "oita", "sapporo"]
    iwaki = listed[0]
    assert [n.display for n in iwaki.numbers.all()] == [
        "0246-22-1111",
        "0246-26-2111",
        "0246-43-2111",
        "0246-54-2111",
        "0246-63-2111",
    ]


def test_department_list_is_per_center_and_sorted_by_name(iwaki):
    DepartmentFactory.create(name="よそのセンターの課")
    names = [d.name for d in department_list(center=iwaki)]
    assert sorted(names) == names
    assert set(names) == {
        "広報広聴課",
        "市民課",
        "保険年金課",
        "市民税課",
        "ごみ減量推進課",
        "こども家庭課",
        "小名浜支所 市民課",
    }


def test_department_calendar_is_office_hours(iwaki):
    dept = department_list(center=iwaki).get(name="市民課")
    days = calendar_days(calendar=dept.calendar, start=date(2026, 1, 9), days=4)
    assert [(d.day, d.reason, d.opens, d.closes) for d in days] == [
        (date(2026, 1, 9), "weekday", time(8, 30), time(17, 15)),
        (date(2026, 1, 10), "saturday", None, None),
        (date(2026, 1, 11), "sunday", None, None),
        (date(2026, 1, 12), "holiday", None, None),
    ]
    assert calendar_next_open_day(calendar=dept.calendar, day=date(2026, 12, 28)) == date(
        2027, 1, 4
    )
