"""Log-ins, log-outs, failures and lockouts are audited (SEC-1, SEC-2)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, login, logout
from django.contrib.sessions.backends.db import SessionStore

from madoguchi.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from madoguchi.audit.selectors import audit_chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def sato():
    return UserFactory.create(username="sato", display_name="オペレーター 佐藤")


def test_failed_login_is_audited(sato, login_request, audit_trail):
    assert authenticate(request=login_request(), username="sato", password="wrong") is None
    events = audit_trail.events()
    assert [e.action for e in events] == ["accounts.session.login_failed"]
    assert events[0].kind == "auth"
    assert events[0].data == {"username": "sato"}
    assert events[0].actor_id is None
    assert events[0].actor_label == "system"


def test_failed_login_for_an_unknown_name_is_audited(db, login_request, audit_trail):
    assert authenticate(request=login_request(), username="nobody", password="x") is None
    assert audit_trail.actions() == ["accounts.session.login_failed"]
    assert audit_trail.events()[0].data == {"username": "nobody"}


def test_successful_authenticate_writes_no_failure(sato, login_request, audit_trail):
    user = authenticate(request=login_request(), username="sato", password=DEFAULT_PASSWORD)
    assert user is not None and user.pk == sato.pk
    assert audit_trail.actions() == []


def test_login_and_logout_are_audited(sato, login_request, audit_trail):
    request = login_request()
    request.session = SessionStore()
    user = authenticate(request=request, username="sato", password=DEFAULT_PASSWORD)
    login(request, user)
    logout(request)
    events = audit_trail.events()
    assert [e.action for e in events] == [
        "accounts.session.logged_in",
        "accounts.session.logged_out",
    ]
    assert {(e.actor_id, e.actor_label, e.kind) for e in events} == {(sato.pk, "sato", "auth")}


def test_lockout_after_the_failure_limit(sato, login_request, audit_trail, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _attempt in range(limit - 1):
        assert authenticate(request=login_request(), username="sato", password="wrong") is None
    assert audit_trail.actions() == ["accounts.session.login_failed"] * (limit - 1)

    # The limit-th failure locks the name out from this address.
    assert authenticate(request=login_request(), username="sato", password="wrong") is None
    actions = audit_trail.actions()
    assert sorted(actions) == sorted(
        ["accounts.session.login_failed"] * limit + ["accounts.session.locked_out"]
    )
    locked = [e for e in audit_trail.events() if e.action == "accounts.session.locked_out"][0]
    assert locked.data == {"username": "sato"}
    assert locked.kind == "auth"

    # Now even the right password is refused, and the refusal is audited.
    audit_trail.mark()
    request = login_request()
    assert authenticate(request=request, username="sato", password=DEFAULT_PASSWORD) is None
    assert sorted(audit_trail.actions()) == [
        "accounts.session.locked_out",
        "accounts.session.login_failed",
    ]
    assert audit_chain_verify().ok is True


def test_lockout_is_per_name_and_address(sato, login_request):
    for _attempt in range(5):
        authenticate(request=login_request(), username="sato", password="wrong")
    assert authenticate(request=login_request(), username="sato", password=DEFAULT_PASSWORD) is None
    # The same user from another address is not locked out.
    other = authenticate(
        request=login_request(ip="198.51.100.7"), username="sato", password=DEFAULT_PASSWORD
    )
    assert other is not None and other.pk == sato.pk
