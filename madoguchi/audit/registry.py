"""Registered audit action codes and their display labels (SEC-2).

Every app declares its codes once, in ``<app>/audit_actions.py``, by calling
:func:`register`; the audit app imports those modules at start-up. Writing an event
with an unregistered code is an error, so the log never holds a code nobody can read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from madoguchi.audit.errors import AuditError


class ActionKind(models.TextChoices):
    CHANGE = "change", _("変更")
    ACCESS = "access", _("閲覧")
    EXPORT = "export", _("出力")
    AUTH = "auth", _("認証")
    DELETION = "deletion", _("削除")


@dataclass(frozen=True)
class Action:
    code: str
    label: str | Promise
    kind: ActionKind


_ACTIONS: dict[str, Action] = {}


def register(code: str, label: str | Promise, kind: ActionKind = ActionKind.CHANGE) -> str:
    """Register a dotted action code such as ``tenancy.center.updated``; returns the code."""
    parts = code.split(".")
    if len(parts) < 3 or not all(part.replace("_", "").isalnum() for part in parts):
        raise AuditError(f"audit action code must be app.entity.verb, not {code!r}")
    existing = _ACTIONS.get(code)
    if existing is not None and (existing.label != label or existing.kind != kind):
        raise AuditError(f"audit action {code!r} registered twice with different labels")
    _ACTIONS[code] = Action(code=code, label=label, kind=kind)
    return code


def get(code: str) -> Action:
    try:
        return _ACTIONS[code]
    except KeyError:
        raise AuditError(f"unregistered audit action {code!r}") from None


def all_actions() -> list[Action]:
    return sorted(_ACTIONS.values(), key=lambda action: action.code)
