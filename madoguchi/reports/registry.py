"""Which builder makes which report: ``builders/`` registers one function per ReportKind;
the console, the delivery worker and ``bench_reports`` look them up here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from madoguchi.reports.documents import Report
from madoguchi.reports.periods import Period
from madoguchi.tenancy.models import Center


class Builder(Protocol):
    def __call__(self, *, center: Center, period: Period) -> Report: ...


_BUILDERS: dict[str, Builder] = {}


def register_builder(kind: str) -> Callable[[Builder], Builder]:
    def decorate(builder: Builder) -> Builder:
        _BUILDERS[kind] = builder
        return builder

    return decorate


def builder_for(kind: str) -> Builder:
    """The builder of ``kind``; KeyError when no builder is registered."""
    return _BUILDERS[kind]


def registered_kinds() -> list[str]:
    return sorted(_BUILDERS)
