"""Every inbox test starts and ends in Japanese: a request to /en/ or /ko/ leaves its
language active in the thread, which would leak into the next test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _japanese() -> Iterator[None]:
    translation.activate("ja")
    yield
    translation.deactivate()
