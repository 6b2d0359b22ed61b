"""Argument parsing shared by the workforce commands."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.parsing import parse_date
from madoguchi.tenancy.selectors import center_get


def center_and_range(slug: str, first: str, last: str) -> tuple[Center, date, date]:
    try:
        return (
            center_get(slug=slug),
            parse_date(first, field="from"),
            parse_date(last, field="to"),
        )
    except TenancyError as exc:
        raise CommandError(str(exc.message)) from exc
