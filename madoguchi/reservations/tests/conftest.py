"""The audit trail of reservations tests chains waiting booking events first: tests run
inside a transaction, where the after-commit flush never fires (see audit_outbox.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def audit_trail(audit_trail):
    from madoguchi.reservations.audit_outbox import audit_outbox_flush

    original_events, original_mark = audit_trail.events, audit_trail.mark

    def events():
        audit_outbox_flush()
        return original_events()

    def mark():
        audit_outbox_flush()
        original_mark()

    audit_trail.events = events
    audit_trail.mark = mark
    mark()  # events of the set-up fixtures are not the test's
    return audit_trail


@pytest.fixture(autouse=True)
def _fresh_gate_cache():
    """Each test has its own centers: the JSON endpoint's per-process cache starts empty."""
    from madoguchi.reservations.admission import _gate_cache

    _gate_cache.clear()
    yield
    _gate_cache.clear()
