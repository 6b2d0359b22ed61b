"""Agents as the operator desk sees them: the seat of a user in a center."""

from __future__ import annotations

from django.db import transaction

from madoguchi.accounts.models import User
from madoguchi.audit.services import audit_log
from madoguchi.calls import audit_actions
from madoguchi.calls.models import Agent
from madoguchi.tenancy.models import Center


@transaction.atomic
def agent_for_user(*, user: User, center: Center) -> Agent:
    """The user's seat in ``center``, created on first use (audited)."""
    agent = Agent.objects.filter(user=user, center=center).first()
    if agent is not None:
        return agent
    name = str(user)
    if Agent.objects.filter(center=center, name=name).exists():
        name = f"{name}（{user.username}）"
    agent = Agent.objects.create(user=user, center=center, name=name)
    audit_log(action=audit_actions.AGENT_SAVED, actor=user, center=center, obj=agent)
    return agent
