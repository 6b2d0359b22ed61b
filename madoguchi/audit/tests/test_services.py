"""Writing the audit log: the chain, rollback, access events and the retention purge."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from madoguchi.accounts.tests.factories import UserFactory
from madoguchi.audit import context
from madoguchi.audit.chain import GENESIS, event_hash
from madoguchi.audit.errors import AuditError
from madoguchi.audit.models import AuditChain, AuditEvent
from madoguchi.audit.selectors import audit_chain_verify
from madoguchi.audit.services import (
    AuditEntry,
    ObjectRef,
    audit_access,
    audit_log,
    audit_log_many,
    audit_purge,
)
from madoguchi.audit.tests.factories import AuditEventFactory
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


def stored_hash(event: AuditEvent) -> str:
    """Recompute an event's hash from what the database holds."""
    row: dict[str, Any] = dict(AuditEvent.objects.filter(pk=event.pk).values().get())
    row.pop("id")
    row.pop("hash")
    return event_hash(**row)


# --- the chain ----------------------------------------------------------------------


def test_audit_log_appends_a_linked_gapless_chain():
    center = CenterFactory.create(name="いわき市総合コールセンター")
    actor = UserFactory.create(username="takahashi")
    events = [
        audit_log(action="tenancy.center.updated", actor=actor, center=center, obj=center),
        audit_log(action="accounts.session.login_failed", actor=None, data={"username": "x"}),
        audit_log(action="tenancy.retention.set", actor=actor, center=center, data={"days": 60}),
    ]
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    assert len({r.hash for r in rows}) == 3
    for event, row in zip(events, rows, strict=True):
        assert event.hash == row.hash == stored_hash(row)
    head = AuditChain.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (3, rows[2].hash)
    assert (head.anchor_seq, head.anchor_hash) == (0, GENESIS)

    first = rows[0]
    assert (first.action, first.kind) == ("tenancy.center.updated", "change")
    assert (first.actor_id, first.actor_label) == (actor.pk, "takahashi")
    assert (first.center_id, first.object_type, first.object_id) == (
        center.pk,
        "tenancy.center",
        str(center.pk),
    )
    assert first.object_repr == "いわき市総合コールセンター"
    assert (rows[1].actor_id, rows[1].actor_label, rows[1].kind) == (None, "system", "auth")
    assert audit_chain_verify().ok is True


def test_anonymous_actor_is_labelled():
    from django.contrib.auth.models import AnonymousUser

    event = audit_log(action="accounts.session.login_failed", actor=AnonymousUser())
    assert (event.actor_id, event.actor_label) == (None, "anonymous")


def test_object_repr_is_cut_to_200_characters():
    center = CenterFactory.create(name="長" * 120)
    center.name = "長" * 250  # longer than the column, as str() of any object may be
    event = audit_log(action="tenancy.center.updated", actor=None, obj=center)
    assert event.object_repr == "長" * 200
    assert audit_chain_verify().ok is True


def test_unregistered_action_is_refused():
    with pytest.raises(AuditError) as excinfo:
        audit_log(action="tenancy.center.exploded", actor=None)
    assert "tenancy.center.exploded" in str(excinfo.value)
    assert AuditEvent.objects.count() == 0
    assert AuditChain.objects.filter(last_seq__gt=0).count() == 0


def test_data_with_dates_and_decimals_is_stored_as_strings_and_verifies():
    event = audit_log(
        action="tenancy.retention.set",
        actor=None,
        data={
            "day": date(2026, 1, 5),
            "opens": time(8, 30),
            "at": datetime(2026, 1, 5, 8, 30, tzinfo=timezone.get_fixed_timezone(540)),
            "rate": Decimal("90.00"),
            "nested": {"dates": [date(2026, 12, 29), date(2027, 1, 3)], "n": 3},
            "name": "いわき市",
            "none": None,
            "flag": True,
        },
    )
    expected = {
        "day": "2026-01-05",
        "opens": "08:30:00",
        "at": "2026-01-05 08:30:00+09:00",
        "rate": "90.00",
        "nested": {"dates": ["2026-12-29", "2027-01-03"], "n": 3},
        "name": "いわき市",
        "none": None,
        "flag": True,
    }
    assert event.data == expected
    event.refresh_from_db()
    assert event.data == expected
    assert stored_hash(event) == event.hash
    assert audit_chain_verify().ok is True


def test_request_context_is_recorded():
    token = context.bind(context.RequestContext(request_id="req-0246221111", ip="192.0.2.10"))
    try:
        event = audit_log(action="accounts.session.logged_out", actor=None)
    finally:
        context.unbind(token)
    event.refresh_from_db()
    assert (event.request_id, event.ip) == ("req-0246221111", "192.0.2.10")
    after = audit_log(action="accounts.session.logged_out", actor=None)
    assert (after.request_id, after.ip) == ("", None)
    assert audit_chain_verify().ok is True


def test_audit_log_many_appends_in_order_after_single_events_and_verifies():
    center = CenterFactory.create(name="新潟市ワクチン接種コールセンター")
    actor = UserFactory.create(username="suzuki")
    first = audit_log(action="tenancy.center.updated", actor=actor, center=center, obj=center)
    token = context.bind(context.RequestContext(request_id="req-current", ip="192.0.2.1"))
    try:
        hashes = audit_log_many(
            [
                AuditEntry(
                    action="tenancy.retention.set",
                    actor=actor,
                    center=center,
                    data={"days": 92, "on": date(2026, 11, 22)},
                ),
                AuditEntry(
                    action="accounts.session.logged_out",
                    actor=None,
                    request_id="req-booking-1",
                    ip="2001:DB8::7",
                ),
                AuditEntry(
                    action="accounts.session.logged_out", actor=None, request_id="", ip=None
                ),
                AuditEntry(action="tenancy.center.updated", actor=None, obj=center),
                AuditEntry(
                    action="tenancy.center.updated",
                    actor=None,
                    obj=ObjectRef("reservations.booking", "42", "B" * 250),
                ),
            ]
        )
    finally:
        context.unbind(token)
    last = audit_log(action="accounts.session.logged_out", actor=None)
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.action for r in rows[1:5]] == [
        "tenancy.retention.set",
        "accounts.session.logged_out",
        "accounts.session.logged_out",
        "tenancy.center.updated",
    ]
    assert rows[1].prev_hash == first.hash
    assert rows[6].prev_hash == rows[5].hash == hashes[4]
    assert hashes == [r.hash for r in rows[1:6]]
    assert all(stored_hash(r) == r.hash for r in rows)
    assert rows[1].data == {"days": 92, "on": "2026-11-22"}
    assert (rows[1].actor_label, rows[1].center_id) == ("suzuki", center.pk)
    # No request given: the current one; a request given (even empty): that one.
    assert (rows[1].request_id, rows[1].ip) == ("req-current", "192.0.2.1")
    assert (rows[2].request_id, rows[2].ip) == ("req-booking-1", "2001:db8::7")
    assert (rows[3].request_id, rows[3].ip) == ("", None)
    assert rows[4].object_repr == "新潟市ワクチン接種コールセンター"
    # An object known only by label, pk and text (the booking outbox): kept as given.
    assert (rows[5].object_type, rows[5].object_id, rows[5].object_repr) == (
        "reservations.booking",
        "42",
        "B" * 200,
    )
    assert AuditChain.objects.get(pk=1).last_seq == 7 == last.seq
    assert audit_chain_verify().ok is True


def test_audit_log_many_with_an_unregistered_action_writes_nothing():
    audit_log(action="accounts.session.logged_out", actor=None)
    with pytest.raises(AuditError):
        audit_log_many(
            [
                AuditEntry(action="accounts.session.logged_out", actor=None),
                AuditEntry(action="no.such.action", actor=None),
            ]
        )
    assert AuditEvent.objects.count() == 1
    assert AuditChain.objects.get(pk=1).last_seq == 1
    assert audit_log_many([]) == []


@pytest.mark.parametrize("ip", ["2001:db8::1", "2001:DB8::1", "2001:db8:0:0:0:0:0:1"])
def test_ipv6_addresses_verify(ip):
    """Whatever address a request comes from, the chain must verify afterwards."""
    token = context.bind(context.RequestContext(request_id="req-ipv6-0001", ip=ip))
    try:
        audit_log(action="accounts.session.logged_out", actor=None)
    finally:
        context.unbind(token)
    report = audit_chain_verify()
    assert (report.ok, report.reason) == (True, "")


def test_rollback_removes_the_event_and_the_chain_continues():
    center = CenterFactory.create()
    first = audit_log(action="tenancy.center.updated", actor=None, center=center)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_log(action="tenancy.center.updated", actor=None, center=center)
        audit_log(action="tenancy.retention.set", actor=None, center=center)
        raise RuntimeError("the change failed")
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1]
    assert AuditChain.objects.get(pk=1).last_seq == 1
    assert audit_chain_verify().ok is True
    after = audit_log(action="tenancy.retention.set", actor=None, center=center)
    assert (after.seq, after.prev_hash) == (2, first.hash)
    report = audit_chain_verify()
    assert (report.ok, report.checked, report.last_seq) == (True, 2, 2)


def test_rollback_of_a_failing_service_removes_its_event():
    from madoguchi.tenancy import services
    from madoguchi.tenancy.models import RetentionKind, RetentionPeriod

    center = CenterFactory.create()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.retention_set(actor=None, center=center, kind=RetentionKind.RECORDING, days=90)
        raise RuntimeError
    assert RetentionPeriod.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert audit_log(action="tenancy.retention.set", actor=None).seq == 1


# --- access events ------------------------------------------------------------------


def test_audit_access_writes_an_access_event():
    center = CenterFactory.create()
    viewer = UserFactory.create(username="suzuki")
    event = audit_access(
        action="audit.log.searched", actor=viewer, obj=center, center=center, data={"q": "佐藤"}
    )
    assert (event.action, event.kind, event.seq) == ("audit.log.searched", "access", 1)
    assert event.data == {"q": "佐藤"}


@pytest.mark.parametrize(
    "action", ["tenancy.center.updated", "accounts.session.logged_in", "audit.log.purged"]
)
def test_audit_access_refuses_non_access_codes(action):
    center = CenterFactory.create()
    with pytest.raises(AuditError) as excinfo:
        audit_access(action=action, actor=None, obj=center)
    assert str(excinfo.value) == f"{action!r} is not registered as an access action"
    assert AuditEvent.objects.count() == 0


def test_audit_access_refuses_unregistered_codes():
    with pytest.raises(AuditError):
        audit_access(action="audit.log.peeked", actor=None, obj=CenterFactory.create())
    assert AuditEvent.objects.count() == 0


# --- retention purge ----------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 30, 91])
def test_audit_purge_refuses_less_than_three_months(days):
    AuditEventFactory.create_batch(2)
    with pytest.raises(AuditError) as excinfo:
        audit_purge(now=timezone.now() + timedelta(days=1000), retention_days=days)
    assert str(excinfo.value) == "監査ログの保存期間は3か月（92日）以上にしてください。"
    assert AuditEvent.objects.count() == 2


def test_audit_purge_keeps_recent_events():
    AuditEventFactory.create_batch(3)
    assert audit_purge() == 0
    assert audit_purge(retention_days=92) == 0
    assert list(AuditEvent.objects.values_list("seq", flat=True).order_by("seq")) == [1, 2, 3]


def test_audit_purge_everything_old_keeps_the_chain_verifiable():
    events = AuditEventFactory.create_batch(5)
    now = timezone.now() + timedelta(days=500)
    assert audit_purge(now=now, retention_days=400) == 5
    remaining = list(AuditEvent.objects.order_by("seq"))
    assert len(remaining) == 1
    purge = remaining[0]
    assert (purge.seq, purge.action, purge.kind) == (6, "audit.log.purged", "deletion")
    assert purge.prev_hash == events[-1].hash
    assert purge.data == {
        "deleted": 5,
        "up_to_seq": 5,
        "cutoff": (now - timedelta(days=400)).isoformat(),
    }
    head = AuditChain.objects.get(pk=1)
    assert (head.anchor_seq, head.anchor_hash) == (5, events[-1].hash)
    report = audit_chain_verify()
    assert (report.ok, report.checked, report.first_seq, report.last_seq) == (True, 1, 6, 6)
    nxt = AuditEventFactory.create()
    assert nxt.seq == 7
    assert audit_chain_verify().ok is True


def test_audit_purge_deletes_only_the_old_prefix():
    old = AuditEventFactory.create_batch(3)
    while timezone.now() <= old[-1].occurred_at:  # make the next event strictly later
        pass
    AuditEventFactory.create_batch(2)
    # The cutoff falls just after the third event.
    now = old[-1].occurred_at + timedelta(days=400, microseconds=1)
    assert audit_purge(now=now, retention_days=400) == 3
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [4, 5, 6]
    report = audit_chain_verify()
    assert (report.ok, report.checked, report.first_seq) == (True, 3, 4)


# --- concurrent writers (PostgreSQL only: SQLite serialises every write anyway) ------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_gapless_chain():
    from django.db import connections

    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def write(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    audit_log(action="accounts.session.logged_out", actor=None, data={"t": n})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 41)
    )
    report = audit_chain_verify()
    assert (report.ok, report.checked) == (True, 40)


def test_large_float_data_verifies():
    """PostgreSQL's jsonb gives 1e16 back as the integer 10000000000000000, so a hash of
    the Python float no longer matches the stored row (SQLite keeps the text)."""
    audit_log(action="tenancy.retention.set", actor=None, data={"bytes": 1e16, "ratio": 0.25})
    report = audit_chain_verify()
    assert (report.ok, report.reason) == (True, "")


def test_event_data_is_stored_as_json_gives_it_back_and_verifies():
    from decimal import Decimal

    from django.utils.translation import gettext_lazy

    event = audit_log(
        action="tenancy.retention.set",
        actor=None,
        data={
            "n": Decimal("1.50"),
            "t": (1, 2.5),
            "yes": gettext_lazy("はい"),
            "ok": True,
            "x": None,
        },
    )
    expected = {"n": "1.50", "t": [1, "2.5"], "yes": "はい", "ok": True, "x": None}
    assert event.data == expected
    assert AuditEvent.objects.get(pk=event.pk).data == expected
    assert audit_chain_verify().ok is True
