"""A factory for audit events. Events are only ever written through ``audit_log`` (the
hash chain is computed there), so ``create()`` goes through the service."""

from __future__ import annotations

from typing import Any

from factory.base import Factory
from factory.declarations import Dict
from factory.faker import Faker

from madoguchi.audit.models import AuditEvent
from madoguchi.audit.services import audit_log


class AuditEventFactory(Factory[AuditEvent]):
    class Meta:
        model = AuditEvent

    action = "tenancy.center.updated"
    actor = None
    center = None
    obj = None
    data = Dict({"note": Faker("address", locale="ja_JP")})

    @classmethod
    def _create(cls, model_class: type[AuditEvent], **kwargs: Any) -> AuditEvent:
        return audit_log(**kwargs)

    @classmethod
    def _build(cls, model_class: type[AuditEvent], **kwargs: Any) -> AuditEvent:
        raise NotImplementedError("audit events exist only in the chain: use create()")
