"""The demo installation: the four reference centers and one user per role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from madoguchi.accounts.models import Role, User
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.calls.services import queue_ensure_default
from madoguchi.interactions.demo import demo_categories_ensure
from madoguchi.knowledge.demo import knowledge_demo_load
from madoguchi.reservations.demo import reservations_demo_load
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.scenarios import SCENARIOS, scenario_load

# Which centers each demo user works for: enough to show the center switcher and
# that a user sees only the centers they belong to (CTR-1).
DEMO_USERS: dict[Role, tuple[str, list[str] | None]] = {
    Role.OPERATOR: ("オペレーター 佐藤", ["iwaki", "oita"]),
    Role.SUPERVISOR: ("スーパーバイザー 鈴木", ["iwaki", "niigata", "oita", "sapporo"]),
    Role.MANAGER: ("管理者 高橋", ["iwaki", "niigata", "oita", "sapporo"]),
    Role.SYSADMIN: ("システム管理者 田中", None),
    Role.FAQ_EDITOR: ("FAQ編集者 伊藤", ["iwaki", "oita"]),
    Role.CITY_STAFF: ("いわき市 広報広聴課 渡辺", ["iwaki"]),
    Role.VENUE_STAFF: ("会場スタッフ 山本", ["niigata"]),
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    password: str | None  # None: the user existed; the password was left alone


@transaction.atomic
def demo_load() -> list[DemoUser]:
    for slug in SCENARIOS:
        center = scenario_load(slug=slug)
        queue_ensure_default(actor=None, center=center)
        knowledge_demo_load(center=center)
        demo_categories_ensure(center=center)
    reservations_demo_load()
    result: list[DemoUser] = []
    for role, (display_name, slugs) in DEMO_USERS.items():
        username = str(role).replace("_", "-")
        user = User.objects.filter(username=username).first()
        password: str | None = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = user_create(
                actor=None, username=username, password=password, display_name=display_name
            )
        centers: list[Center | None] = (
            [None] if slugs is None else list(Center.objects.filter(slug__in=slugs))
        )
        for scope in centers:
            membership_grant(actor=None, user=user, center=scope, role=role)
        result.append(DemoUser(username=username, role=role, password=password))
    return result
