"""``madoguchi load_demo``: the four centers and one user per role, idempotently."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from madoguchi.accounts.demo import demo_load
from madoguchi.accounts.models import Membership, Role, User
from madoguchi.audit.models import AuditEvent
from madoguchi.audit.selectors import audit_chain_verify
from madoguchi.tenancy.models import Center, Department, InboundNumber

pytestmark = pytest.mark.django_db

# Written out, not read from DEMO_USERS: who works where (None = every center).
EXPECTED_MEMBERSHIPS = {
    "operator": ("operator", {"iwaki", "oita"}),
    "supervisor": ("supervisor", {"iwaki", "niigata", "oita", "sapporo"}),
    "manager": ("manager", {"iwaki", "niigata", "oita", "sapporo"}),
    "sysadmin": ("sysadmin", {None}),
    "faq-editor": ("faq_editor", {"iwaki", "oita"}),
    "city-staff": ("city_staff", {"iwaki"}),
    "venue-staff": ("venue_staff", {"niigata"}),
}


def memberships() -> dict[str, tuple[str, set[str | None]]]:
    result: dict[str, tuple[str, set[str | None]]] = {}
    for m in Membership.objects.select_related("user", "center"):
        role, centers = result.setdefault(m.user.username, (m.role, set()))
        assert role == m.role, f"{m.user.username} has two roles"
        centers.add(m.center.slug if m.center else None)
    return result


def test_demo_load_twice():
    first = demo_load()
    assert [(u.username, u.role) for u in first] == [
        ("operator", Role.OPERATOR),
        ("supervisor", Role.SUPERVISOR),
        ("manager", Role.MANAGER),
        ("sysadmin", Role.SYSADMIN),
        ("faq-editor", Role.FAQ_EDITOR),
        ("city-staff", Role.CITY_STAFF),
        ("venue-staff", Role.VENUE_STAFF),
    ]
    passwords = {u.username: u.password for u in first}
    assert all(passwords.values())
    assert len(set(passwords.values())) == 7
    for username, password in passwords.items():
        assert User.objects.get(username=username).check_password(password), username
    assert memberships() == EXPECTED_MEMBERSHIPS
    assert User.objects.get(username="city-staff").display_name == "いわき市 広報広聴課 渡辺"

    counts = (
        User.objects.count(),
        Membership.objects.count(),
        Center.objects.count(),
        InboundNumber.objects.count(),
        Department.objects.count(),
        AuditEvent.objects.count(),
    )
    assert counts[:5] == (7, 15, 4, 8, 14)

    second = demo_load()
    assert [u.password for u in second] == [None] * 7
    assert [u.username for u in second] == [u.username for u in first]
    assert memberships() == EXPECTED_MEMBERSHIPS
    for username, password in passwords.items():  # passwords left alone
        assert User.objects.get(username=username).check_password(password), username
    assert (
        User.objects.count(),
        Membership.objects.count(),
        Center.objects.count(),
        InboundNumber.objects.count(),
        Department.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert audit_chain_verify().ok is True


def test_load_demo_command_shows_passwords_only_once():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "デモのセンター: iwaki, niigata, oita, sapporo を読み込みました。" in text
    assert "パスワードはこの一度だけ表示します。控えてください。" in text
    assert "（既存のため変更なし）" not in text
    operator_line = next(line for line in text.splitlines() if " operator " in line)
    password = operator_line.split()[-1]
    assert User.objects.get(username="operator").check_password(password)

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert text.count("（既存のため変更なし）") == 7
    assert "控えてください" not in text
    assert password not in text
    assert User.objects.count() == 7
    assert Membership.objects.count() == 15
