"""Every reports test starts and ends in Japanese: a request to /en/ or /ko/ in an
earlier test leaves its language active in the thread, and the builders' labels
(「電話」, 「受付時間内」…) would then come out in English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _japanese() -> Iterator[None]:
    translation.activate("ja")
    yield
    translation.deactivate()
