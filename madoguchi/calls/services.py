"""Writes of the calls context: queues, forwarding, agents. Each audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.services import audit_log
from madoguchi.calls import audit_actions
from madoguchi.calls.errors import CallsError
from madoguchi.calls.models import Agent, Forwarding, Queue
from madoguchi.tenancy.errors import TenancyError
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.phone import phone_normalize


@transaction.atomic
def queue_ensure_default(*, actor: Any, center: Center) -> Queue:
    """Every center answers into at least one queue: create 「一般」 if it has none."""
    queue = Queue.objects.filter(center=center, is_default=True).first()
    if queue is not None:
        return queue
    queue = Queue.objects.create(center=center, name="一般", is_default=True, language="ja")
    audit_log(action=audit_actions.QUEUE_SAVED, actor=actor, center=center, obj=queue)
    return queue


@transaction.atomic
def forwarding_set(
    *, actor: Any, center: Center, enabled: bool, number: str = "", label: str = ""
) -> Forwarding:
    """Switch after-hours forwarding on or off (TEL-3); switching on needs a number."""
    forwarding, _created = Forwarding.objects.get_or_create(center=center)
    if number:
        try:
            phone = phone_normalize(number)
        except TenancyError as exc:
            raise CallsError(exc.message, field="number") from exc
        forwarding.e164, forwarding.display = phone.e164, phone.display
    if label:
        forwarding.label = label
    if enabled and not forwarding.e164:
        raise CallsError(_("転送先の電話番号を入力してください。"), field="number")
    forwarding.enabled = enabled
    forwarding.save()
    audit_log(
        action=audit_actions.FORWARDING_SET,
        actor=actor,
        center=center,
        obj=forwarding,
        data={"enabled": enabled, "to": forwarding.display},
    )
    return forwarding


@transaction.atomic
def simulated_agents_ensure(
    *, center: Center, count: int, prefix: str = "シミュレーター"
) -> list[Agent]:
    """Seats ``<prefix> 1..count`` answered by the simulator (recording mode, demo stream)."""
    agents = []
    for number in range(1, count + 1):
        agent, _created = Agent.objects.get_or_create(
            center=center,
            name=f"{prefix} {number}",
            defaults={"is_simulated": True},
        )
        agents.append(agent)
    return agents
