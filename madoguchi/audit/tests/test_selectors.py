"""Reading the audit log: chain verification (tamper detection) and search."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from madoguchi.accounts.tests.factories import UserFactory
from madoguchi.audit.chain import event_hash
from madoguchi.audit.models import AuditChain, AuditEvent
from madoguchi.audit.selectors import audit_chain_verify, audit_event_search
from madoguchi.audit.services import audit_log
from madoguchi.audit.tests.factories import AuditEventFactory
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_events():
    center = CenterFactory.create(name="いわき市総合コールセンター")
    actor = UserFactory.create(username="takahashi")
    return [
        AuditEventFactory.create(actor=actor, center=center, obj=center, data={"n": n})
        for n in range(1, 6)
    ]


def rehash(seq: int) -> None:
    """What a careful attacker does after editing a row: recompute its hash."""
    row: dict[str, Any] = dict(AuditEvent.objects.filter(seq=seq).values().get())
    pk = row.pop("id")
    row.pop("hash")
    AuditEvent.objects.filter(pk=pk).update(hash=event_hash(**row))


# --- verification -------------------------------------------------------------------


def test_empty_log_verifies(db):
    report = audit_chain_verify()
    assert (report.ok, report.checked, report.first_seq, report.last_seq) == (
        True,
        0,
        None,
        None,
    )


def test_intact_chain_verifies(five_events):
    report = audit_chain_verify()
    assert (report.ok, report.checked, report.first_seq, report.last_seq, report.broken_at) == (
        True,
        5,
        1,
        5,
        None,
    )


@pytest.mark.parametrize(
    "change",
    [
        {"data": {"n": 999}},
        {"object_repr": "偽のセンター"},
        {"actor_label": "someone-else"},
        {"action": "tenancy.center.created"},
        {"kind": "access"},
        {"object_id": "42"},
        {"center_id": 999},
        {"actor_id": None},
        {"request_id": "forged"},
        {"ip": "203.0.113.9"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_changed_row_is_detected_at_that_row(five_events, change):
    AuditEvent.objects.filter(seq=3).update(**change)
    report = audit_chain_verify()
    assert (report.ok, report.broken_at, report.checked) == (False, 3, 2)
    assert report.reason == "row content changed"


def test_changed_time_is_detected(five_events):
    AuditEvent.objects.filter(seq=2).update(
        occurred_at=five_events[1].occurred_at - timedelta(minutes=5)
    )
    report = audit_chain_verify()
    assert (report.ok, report.broken_at) == (False, 2)


def test_rehashed_row_is_detected_at_the_next_row(five_events):
    AuditEvent.objects.filter(seq=3).update(data={"n": 999})
    rehash(3)
    report = audit_chain_verify()
    assert (report.ok, report.broken_at, report.reason) == (
        False,
        4,
        "link to previous row broken",
    )


def test_rehashed_last_row_is_detected_by_the_head(five_events):
    AuditEvent.objects.filter(seq=5).update(actor_label="someone-else")
    rehash(5)
    report = audit_chain_verify()
    assert (report.ok, report.broken_at, report.reason) == (False, 5, "head hash differs")


def test_changed_prev_hash_is_detected(five_events):
    AuditEvent.objects.filter(seq=4).update(prev_hash="f" * 64)
    report = audit_chain_verify()
    assert (report.ok, report.broken_at, report.reason) == (
        False,
        4,
        "link to previous row broken",
    )


def test_deleted_middle_row_is_detected_at_its_seq(five_events):
    AuditEvent.objects.filter(seq=3).delete()
    report = audit_chain_verify()
    assert report.ok is False
    assert report.reason == "row 3 missing"
    assert report.broken_at == 3  # the row that is missing, as for a deleted last row


def test_deleted_first_row_is_detected(five_events):
    AuditEvent.objects.filter(seq=1).delete()
    report = audit_chain_verify()
    assert (report.ok, report.reason) == (False, "row 1 missing")


def test_deleted_last_row_is_detected_by_the_head(five_events):
    AuditEvent.objects.filter(seq=5).delete()
    report = audit_chain_verify()
    assert (report.ok, report.broken_at, report.checked, report.last_seq) == (False, 5, 4, 4)
    assert report.reason == "rows after 4 missing (head is at 5)"


def test_all_rows_deleted_is_detected(five_events):
    AuditEvent.objects.all().delete()
    report = audit_chain_verify()
    assert (report.ok, report.broken_at) == (False, 1)


def test_moving_the_purge_anchor_is_detected(five_events):
    AuditChain.objects.filter(pk=1).update(anchor_seq=2)
    report = audit_chain_verify()
    assert (report.ok, report.checked) == (False, 0)


# --- search -------------------------------------------------------------------------


@pytest.fixture
def searchable():
    iwaki = CenterFactory.create(slug="iwaki", name="いわき市総合コールセンター")
    oita = CenterFactory.create(slug="oita", name="大分市マイナンバーカードコールセンター")
    sato = UserFactory.create(username="sato-hanako")
    suzuki = UserFactory.create(username="suzuki-ichiro")
    events = {
        "iwaki_number": audit_log(
            action="tenancy.number.added", actor=sato, center=iwaki, obj=iwaki
        ),
        "iwaki_retention": audit_log(action="tenancy.retention.set", actor=suzuki, center=iwaki),
        "oita_center": audit_log(
            action="tenancy.center.updated", actor=suzuki, center=oita, obj=oita
        ),
        "login": audit_log(action="accounts.session.logged_in", actor=sato, obj=sato),
        "purge": audit_log(action="audit.log.purged", actor=None),
    }
    return iwaki, oita, events


def keys(events, found) -> list[str]:
    by_pk = {e.pk: k for k, e in events.items()}
    return [by_pk[e.pk] for e in found]


def test_search_everything_newest_first(searchable):
    _iwaki, _oita, events = searchable
    assert keys(events, audit_event_search(center_ids=None)) == [
        "purge",
        "login",
        "oita_center",
        "iwaki_retention",
        "iwaki_number",
    ]


def test_search_restricted_to_centers(searchable):
    iwaki, oita, events = searchable
    assert keys(events, audit_event_search(center_ids=[iwaki.pk])) == [
        "iwaki_retention",
        "iwaki_number",
    ]
    assert keys(events, audit_event_search(center_ids=[oita.pk, iwaki.pk])) == [
        "oita_center",
        "iwaki_retention",
        "iwaki_number",
    ]
    # Events without a center are for those who see every center only.
    assert list(audit_event_search(center_ids=[])) == []


def test_search_by_actor_action_and_object(searchable):
    iwaki, _oita, events = searchable
    assert keys(events, audit_event_search(center_ids=None, actor="SATO")) == [
        "login",
        "iwaki_number",
    ]
    assert keys(events, audit_event_search(center_ids=None, action="tenancy.")) == [
        "oita_center",
        "iwaki_retention",
        "iwaki_number",
    ]
    assert keys(events, audit_event_search(center_ids=None, action="tenancy.number")) == [
        "iwaki_number"
    ]
    # A prefix, not a substring:
    assert list(audit_event_search(center_ids=None, action="number")) == []
    assert keys(events, audit_event_search(center_ids=None, obj="マイナンバー")) == ["oita_center"]
    # ... or the object's id exactly.
    assert keys(events, audit_event_search(center_ids=[iwaki.pk], obj=str(iwaki.pk))) == [
        "iwaki_number"
    ]
    assert list(audit_event_search(center_ids=None, obj=f"{iwaki.pk}0")) == []
    assert keys(
        events, audit_event_search(center_ids=[iwaki.pk], actor="suzuki", action="tenancy.")
    ) == ["iwaki_retention"]


def test_search_by_period(searchable):
    _iwaki, _oita, events = searchable
    middle = events["oita_center"].occurred_at
    since = audit_event_search(center_ids=None, since=middle)
    assert keys(events, since) == ["purge", "login", "oita_center"]  # since is inclusive
    until = audit_event_search(center_ids=None, until=middle)
    assert keys(events, until) == ["iwaki_retention", "iwaki_number"]  # until is exclusive
    later = timezone.now() + timedelta(days=1)
    assert list(audit_event_search(center_ids=None, since=later)) == []
    assert len(audit_event_search(center_ids=None, until=later)) == 5
