"""The permission matrix, cell by cell (SEC-1).

``EXPECTED`` below is written out by hand, independently of ``permissions.MATRIX``:
changing a grant in the module without changing this table fails the suite, and so
does adding an action or a role without deciding every cell of its row or column.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from madoguchi.accounts.errors import AccountsError
from madoguchi.accounts.models import Membership, Role
from madoguchi.accounts.permissions import (
    MATRIX,
    Action,
    actions_for,
    centers_with,
    has_permission,
    roles_granting,
)
from madoguchi.accounts.services import membership_grant
from madoguchi.accounts.tests.factories import MembershipFactory, UserFactory
from madoguchi.tenancy.tests.factories import CenterFactory

# X = allowed in the centers the role is held for, - = denied.
# OP operator, SV supervisor, MG manager, SA sysadmin, FE faq_editor, CS city_staff,
# VS venue_staff.
TABLE = """
action                            OP SV MG SA FE CS VS
tenancy.center.view               X  X  X  X  X  X  X
tenancy.center.manage             -  -  X  X  -  -  -
accounts.user.manage              -  -  X  X  -  -  -
audit.log.view                    -  X  X  X  -  -  -
interactions.interaction.create   X  X  X  -  -  -  -
interactions.interaction.view     X  X  X  -  -  X  -
interactions.interaction.export   -  X  X  -  -  -  -
interactions.escalation.confirm   -  -  -  -  -  X  -
interactions.escalation.report    -  -  -  -  -  X  -
interactions.category.manage      -  X  X  -  -  -  -
inbox.message.handle              X  X  X  -  -  -  -
inbox.template.manage             -  X  X  -  -  -  -
knowledge.faq.view                X  X  X  -  X  X  -
knowledge.faq.edit                -  -  -  -  X  -  -
knowledge.faq.publish             -  -  -  -  X  -  -
knowledge.faq.approve             -  -  -  -  -  X  -
calls.call.handle                 X  X  -  -  -  -  -
calls.wallboard.view              -  X  X  -  -  -  -
calls.recording.play              -  X  X  -  -  -  -
calls.forwarding.switch           -  X  X  -  -  -  -
reservations.booking.manage       X  X  X  -  -  -  -
reservations.slot.manage          -  -  X  -  -  -  -
reservations.venue_list.view      -  X  X  -  -  X  X
reports.report.view               -  X  X  -  -  X  -
reports.personal_data.view        -  -  X  X  -  -  -
workforce.staffing.manage         -  X  X  -  -  -  -
"""

COLUMNS = {
    "OP": "operator",
    "SV": "supervisor",
    "MG": "manager",
    "SA": "sysadmin",
    "FE": "faq_editor",
    "CS": "city_staff",
    "VS": "venue_staff",
}


def _parse(table: str) -> dict[tuple[str, str], bool]:
    header, *rows = [line.split() for line in table.strip().splitlines()]
    roles = [COLUMNS[c] for c in header[1:]]
    cells: dict[tuple[str, str], bool] = {}
    for row in rows:
        action, marks = row[0], row[1:]
        assert len(marks) == len(roles), f"row {action} has {len(marks)} cells"
        assert set(marks) <= {"X", "-"}, f"row {action}: use X or -"
        assert all((action, role) not in cells for role in roles), f"row {action} twice"
        for role, mark in zip(roles, marks, strict=True):
            cells[(action, role)] = mark == "X"
    return cells


EXPECTED = _parse(TABLE)
TABLE_ACTIONS = sorted({action for action, _role in EXPECTED})
TABLE_ROLES = list(COLUMNS.values())
CELLS = [(role, action) for action in TABLE_ACTIONS for role in TABLE_ROLES]


def allowed(role: str, action: str) -> bool:
    return EXPECTED[(action, role)]


# --- the table itself ---------------------------------------------------------------


def test_table_covers_every_action():
    assert set(TABLE_ACTIONS) == {a.value for a in Action}


def test_table_covers_every_role():
    assert set(TABLE_ROLES) == set(Role.values)
    assert set(MATRIX) == set(Role)


def test_matrix_grants_exactly_the_table():
    # A quick whole-matrix check; the parametrized tests below check each cell in the DB.
    for role in Role:
        expected = {a for a in TABLE_ACTIONS if allowed(role.value, a)}
        assert {a.value for a in MATRIX[role]} == expected, role


@pytest.mark.parametrize("action", TABLE_ACTIONS)
def test_roles_granting(action):
    assert roles_granting(Action(action)) == [r for r in Role.values if allowed(r, action)]


# --- the intent stated in the module docstring --------------------------------------


def test_sysadmin_sees_no_interaction_or_booking_content():
    content = [
        a for a in Action if a.value.startswith(("interactions.", "reservations.", "calls."))
    ]
    assert content
    for action in content:
        assert not allowed("sysadmin", action.value), action


def test_city_staff_only_writes_are_the_citys_own_decisions():
    granted = {a for a in TABLE_ACTIONS if allowed("city_staff", a)}
    writes = {a for a in granted if not a.endswith(".view")}
    assert writes == {
        "knowledge.faq.approve",
        "interactions.escalation.confirm",
        "interactions.escalation.report",
    }


# --- cell by cell, against real memberships -----------------------------------------


@pytest.fixture
def two_centers(db):
    return CenterFactory.create(slug="center-a"), CenterFactory.create(slug="center-b")


@pytest.mark.parametrize(("role", "action"), CELLS)
@pytest.mark.parametrize("where", ["own", "other"])
def test_role_in_one_center(two_centers, role, action, where):
    own, other = two_centers
    user = MembershipFactory.create(role=role, center=own).user
    if where == "own":
        assert has_permission(user, own, Action(action)) is allowed(role, action)
    else:
        assert has_permission(user, other, Action(action)) is False
        # A role in one center grants nothing installation-wide either.
        assert has_permission(user, None, Action(action)) is False


@pytest.mark.parametrize("role", TABLE_ROLES)
def test_actions_for_one_center(two_centers, role):
    own, other = two_centers
    user = MembershipFactory.create(role=role, center=own).user
    expected = {a for a in TABLE_ACTIONS if allowed(role, a)}
    assert {a.value for a in actions_for(user, own)} == expected
    assert actions_for(user, other) == frozenset()
    assert actions_for(user, None) == frozenset()


@pytest.mark.parametrize("action", TABLE_ACTIONS)
def test_installation_wide_sysadmin(two_centers, action):
    own, other = two_centers
    user = MembershipFactory.create(role=Role.SYSADMIN, center=None).user
    expected = allowed("sysadmin", action)
    for center in (own, other, None):
        assert has_permission(user, center, Action(action)) is expected
    assert centers_with(user, Action(action)) == (None if expected else [])


def test_installation_wide_sysadmin_actions_for(two_centers):
    user = MembershipFactory.create(role=Role.SYSADMIN, center=None).user
    expected = {a for a in TABLE_ACTIONS if allowed("sysadmin", a)}
    for center in (*two_centers, None):
        assert {a.value for a in actions_for(user, center)} == expected


def test_roles_in_one_center_add_up(two_centers):
    own, _other = two_centers
    user = UserFactory.create()
    MembershipFactory.create(user=user, center=own, role=Role.OPERATOR)
    MembershipFactory.create(user=user, center=own, role=Role.CITY_STAFF)
    expected = {a for a in TABLE_ACTIONS if allowed("operator", a) or allowed("city_staff", a)}
    assert {a.value for a in actions_for(user, own)} == expected
    assert has_permission(user, own, Action.FAQ_APPROVE) is True
    assert has_permission(user, own, Action.CALL_HANDLE) is True
    assert has_permission(user, own, Action.FAQ_EDIT) is False


@pytest.mark.parametrize("action", TABLE_ACTIONS)
def test_inactive_user_is_denied_everything(two_centers, action):
    own, _other = two_centers
    user = UserFactory.create(is_active=False)
    for role in (Role.MANAGER, Role.SUPERVISOR, Role.CITY_STAFF, Role.FAQ_EDITOR):
        MembershipFactory.create(user=user, center=own, role=role)
    MembershipFactory.create(user=user, center=None, role=Role.SYSADMIN)
    assert has_permission(user, own, Action(action)) is False
    assert has_permission(user, None, Action(action)) is False
    assert centers_with(user, Action(action)) == []


@pytest.mark.parametrize("action", TABLE_ACTIONS)
def test_anonymous_is_denied_everything(two_centers, action):
    own, _other = two_centers
    for nobody in (AnonymousUser(), None):
        assert has_permission(nobody, own, Action(action)) is False
        assert has_permission(nobody, None, Action(action)) is False
        assert centers_with(nobody, Action(action)) == []
        assert actions_for(nobody, own) == frozenset()


@pytest.mark.parametrize("action", TABLE_ACTIONS)
def test_superuser_without_membership_is_denied(two_centers, action):
    own, _other = two_centers
    user = UserFactory.create(is_superuser=True, is_staff=True)
    assert has_permission(user, own, Action(action)) is False
    assert has_permission(user, None, Action(action)) is False
    assert centers_with(user, Action(action)) == []
    assert actions_for(user, own) == frozenset()


# --- centers_with -------------------------------------------------------------------


def test_centers_with_lists_the_granting_centers(db):
    a, b, c = (CenterFactory.create() for _ in range(3))
    user = UserFactory.create()
    MembershipFactory.create(user=user, center=c, role=Role.OPERATOR)
    MembershipFactory.create(user=user, center=a, role=Role.OPERATOR)
    MembershipFactory.create(user=user, center=b, role=Role.VENUE_STAFF)
    assert centers_with(user, Action.CALL_HANDLE) == sorted([a.pk, c.pk])
    assert centers_with(user, Action.CENTER_VIEW) == sorted([a.pk, b.pk, c.pk])
    assert centers_with(user, Action.VENUE_LIST_VIEW) == [b.pk]
    assert centers_with(user, Action.AUDIT_VIEW) == []


def test_centers_with_none_means_every_center(db):
    CenterFactory.create()
    user = UserFactory.create()
    MembershipFactory.create(user=user, center=CenterFactory.create(), role=Role.MANAGER)
    MembershipFactory.create(user=user, center=None, role=Role.SYSADMIN)
    assert centers_with(user, Action.USER_MANAGE) is None
    # ... but the sysadmin grant does not widen the manager-only actions.
    slot_centers = centers_with(user, Action.SLOT_MANAGE)
    assert slot_centers is not None and len(slot_centers) == 1


# --- who may hold an installation-wide membership -----------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r != Role.SYSADMIN])
def test_membership_grant_refuses_global_non_sysadmin(db, role, audit_trail):
    user = UserFactory.create()
    with pytest.raises(AccountsError) as excinfo:
        membership_grant(actor=None, user=user, center=None, role=role)
    assert excinfo.value.field == "center"
    assert str(excinfo.value) == "全センター共通の役割はシステム管理者だけに付与できます。"
    assert Membership.objects.count() == 0
    assert audit_trail.actions() == []


@pytest.mark.parametrize("role", [r for r in Role if r != Role.SYSADMIN])
def test_db_refuses_global_non_sysadmin(db, role):
    user = UserFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, center=None, role=role)
    assert Membership.objects.count() == 0


def test_db_refuses_duplicate_memberships(db):
    user = UserFactory.create()
    center = CenterFactory.create()
    Membership.objects.create(user=user, center=None, role=Role.SYSADMIN)
    Membership.objects.create(user=user, center=center, role=Role.OPERATOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, center=None, role=Role.SYSADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, center=center, role=Role.OPERATOR)
    # The same role in another center, or another role here, is fine.
    Membership.objects.create(user=user, center=CenterFactory.create(), role=Role.OPERATOR)
    Membership.objects.create(user=user, center=center, role=Role.SUPERVISOR)
    assert Membership.objects.filter(user=user).count() == 4
