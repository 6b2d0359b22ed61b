"""The permission matrix: which role may do what, in the centers it belongs to (SEC-1).

This module is the only place that grants anything. A user may do an action in a
center when one of their memberships for that center (or an installation-wide
system-administrator membership) has a role that the matrix grants the action to.
Superusers get nothing extra: least privilege holds for everybody.

City staff read; their only writes are the city's own decisions: approving FAQ
changes, a department's completion report on an escalation, and confirming it.
System administrators run the installation but see no interaction or booking content.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from madoguchi.accounts.models import Membership, Role


class Action(StrEnum):
    CENTER_VIEW = "tenancy.center.view"
    CENTER_MANAGE = "tenancy.center.manage"
    USER_MANAGE = "accounts.user.manage"
    AUDIT_VIEW = "audit.log.view"
    INTERACTION_CREATE = "interactions.interaction.create"
    INTERACTION_VIEW = "interactions.interaction.view"
    INTERACTION_EXPORT = "interactions.interaction.export"
    ESCALATION_CONFIRM = "interactions.escalation.confirm"
    ESCALATION_REPORT = "interactions.escalation.report"
    CATEGORY_MANAGE = "interactions.category.manage"
    INBOX_HANDLE = "inbox.message.handle"
    INBOX_TEMPLATE_MANAGE = "inbox.template.manage"
    FAQ_VIEW = "knowledge.faq.view"
    FAQ_EDIT = "knowledge.faq.edit"
    FAQ_PUBLISH = "knowledge.faq.publish"
    FAQ_APPROVE = "knowledge.faq.approve"
    CALL_HANDLE = "calls.call.handle"
    WALLBOARD_VIEW = "calls.wallboard.view"
    RECORDING_PLAY = "calls.recording.play"
    FORWARDING_SWITCH = "calls.forwarding.switch"
    BOOKING_MANAGE = "reservations.booking.manage"
    SLOT_MANAGE = "reservations.slot.manage"
    VENUE_LIST_VIEW = "reservations.venue_list.view"
    REPORT_VIEW = "reports.report.view"
    PERSONAL_DATA_REPORT_VIEW = "reports.personal_data.view"
    STAFFING_MANAGE = "workforce.staffing.manage"


A = Action
MATRIX: dict[Role, frozenset[Action]] = {
    Role.OPERATOR: frozenset(
        {
            A.CENTER_VIEW,
            A.INTERACTION_CREATE,
            A.INTERACTION_VIEW,
            A.INBOX_HANDLE,
            A.FAQ_VIEW,
            A.CALL_HANDLE,
            A.BOOKING_MANAGE,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            A.CENTER_VIEW,
            A.AUDIT_VIEW,
            A.INTERACTION_CREATE,
            A.INTERACTION_VIEW,
            A.INTERACTION_EXPORT,
            A.CATEGORY_MANAGE,
            A.INBOX_HANDLE,
            A.INBOX_TEMPLATE_MANAGE,
            A.FAQ_VIEW,
            A.CALL_HANDLE,
            A.WALLBOARD_VIEW,
            A.RECORDING_PLAY,
            A.FORWARDING_SWITCH,
            A.BOOKING_MANAGE,
            A.VENUE_LIST_VIEW,
            A.REPORT_VIEW,
            A.STAFFING_MANAGE,
        }
    ),
    Role.MANAGER: frozenset(
        {
            A.CENTER_VIEW,
            A.CENTER_MANAGE,
            A.USER_MANAGE,
            A.AUDIT_VIEW,
            A.INTERACTION_CREATE,
            A.INTERACTION_VIEW,
            A.INTERACTION_EXPORT,
            A.CATEGORY_MANAGE,
            A.INBOX_HANDLE,
            A.INBOX_TEMPLATE_MANAGE,
            A.FAQ_VIEW,
            A.WALLBOARD_VIEW,
            A.RECORDING_PLAY,
            A.FORWARDING_SWITCH,
            A.BOOKING_MANAGE,
            A.SLOT_MANAGE,
            A.VENUE_LIST_VIEW,
            A.REPORT_VIEW,
            A.PERSONAL_DATA_REPORT_VIEW,
            A.STAFFING_MANAGE,
        }
    ),
    Role.SYSADMIN: frozenset(
        {A.CENTER_VIEW, A.CENTER_MANAGE, A.USER_MANAGE, A.AUDIT_VIEW, A.PERSONAL_DATA_REPORT_VIEW}
    ),
    Role.FAQ_EDITOR: frozenset({A.CENTER_VIEW, A.FAQ_VIEW, A.FAQ_EDIT, A.FAQ_PUBLISH}),
    Role.CITY_STAFF: frozenset(
        {
            A.CENTER_VIEW,
            A.INTERACTION_VIEW,
            A.ESCALATION_CONFIRM,
            A.ESCALATION_REPORT,
            A.FAQ_VIEW,
            A.FAQ_APPROVE,
            A.VENUE_LIST_VIEW,
            A.REPORT_VIEW,
        }
    ),
    Role.VENUE_STAFF: frozenset({A.CENTER_VIEW, A.VENUE_LIST_VIEW}),
}


def roles_granting(action: Action) -> list[str]:
    return [str(role) for role, actions in MATRIX.items() if action in actions]


def _memberships(user: object) -> Q | None:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return Q(user_id=user.pk)  # type: ignore[attr-defined]


def has_permission(user: object, center: object | None, action: Action) -> bool:
    """May ``user`` do ``action`` in ``center``? (``None``: an installation-wide action.)"""
    mine = _memberships(user)
    if mine is None:
        return False
    roles = roles_granting(action)
    scope = Q(center__isnull=True)
    if center is not None:
        scope |= Q(center_id=center.pk)  # type: ignore[attr-defined]
    return Membership.objects.filter(mine, scope, role__in=roles).exists()


def centers_with(user: object, action: Action) -> list[int] | None:
    """Ids of the centers where ``user`` may do ``action``; ``None`` means every center."""
    mine = _memberships(user)
    if mine is None:
        return []
    granted = Membership.objects.filter(mine, role__in=roles_granting(action))
    if granted.filter(center__isnull=True).exists():
        return None
    return sorted(
        {center_id for center_id in granted.values_list("center_id", flat=True) if center_id}
    )


def actions_for(user: object, center: object | None) -> frozenset[Action]:
    """Everything ``user`` may do in ``center``, in one query (for menus and pages)."""
    mine = _memberships(user)
    if mine is None:
        return frozenset()
    scope = Q(center__isnull=True)
    if center is not None:
        scope |= Q(center_id=center.pk)  # type: ignore[attr-defined]
    roles = Membership.objects.filter(mine, scope).values_list("role", flat=True)
    granted: set[Action] = set()
    for role in set(roles):
        granted |= MATRIX[Role(role)]
    return frozenset(granted)
