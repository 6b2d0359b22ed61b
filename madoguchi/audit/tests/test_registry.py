"""Registered audit action codes."""

from __future__ import annotations

import pytest

from madoguchi.audit import registry
from madoguchi.audit.errors import AuditError
from madoguchi.audit.registry import ActionKind


@pytest.fixture
def isolated_registry(monkeypatch):
    """Register test codes in a copy, so other tests see the real registry."""
    monkeypatch.setattr(registry, "_ACTIONS", dict(registry._ACTIONS))


def test_every_app_declares_its_codes():
    codes = {a.code: a.kind for a in registry.all_actions()}
    expected = {
        "tenancy.center.created": "change",
        "tenancy.center.updated": "change",
        "tenancy.number.added": "change",
        "tenancy.number.removed": "change",
        "tenancy.calendar.hours_set": "change",
        "tenancy.calendar.exception_set": "change",
        "tenancy.calendar.exception_removed": "change",
        "tenancy.department.saved": "change",
        "tenancy.retention.set": "change",
        "accounts.user.created": "change",
        "accounts.user.password_set": "change",
        "accounts.membership.granted": "change",
        "accounts.membership.revoked": "change",
        "accounts.totp.enrolled": "change",
        "accounts.totp.removed": "change",
        "accounts.session.logged_in": "auth",
        "accounts.session.logged_out": "auth",
        "accounts.session.login_failed": "auth",
        "accounts.session.locked_out": "auth",
        "accounts.session.center_switched": "auth",
        "audit.log.searched": "access",
        "audit.log.purged": "deletion",
    }
    assert {code: codes.get(code) for code in expected} == expected
    assert [a.code for a in registry.all_actions()] == sorted(codes)


def test_get_unregistered_code():
    with pytest.raises(AuditError) as excinfo:
        registry.get("tenancy.center.exploded")
    assert str(excinfo.value) == "unregistered audit action 'tenancy.center.exploded'"


@pytest.mark.parametrize("code", ["center", "tenancy.center", "tenancy..created", "a.b c.d", ""])
def test_register_refuses_malformed_codes(isolated_registry, code):
    with pytest.raises(AuditError):
        registry.register(code, "x")
    assert code not in {a.code for a in registry.all_actions()}


def test_register_same_code_twice(isolated_registry):
    code = registry.register("testapp.widget.made", "部品を作成")
    assert code == "testapp.widget.made"
    assert registry.register("testapp.widget.made", "部品を作成") == code  # same: fine
    with pytest.raises(AuditError):
        registry.register("testapp.widget.made", "別の名前")
    with pytest.raises(AuditError):
        registry.register("testapp.widget.made", "部品を作成", ActionKind.ACCESS)
    assert registry.get(code).label == "部品を作成"
    assert registry.get(code).kind == ActionKind.CHANGE
