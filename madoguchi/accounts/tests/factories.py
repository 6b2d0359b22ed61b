"""factory_boy factories for staff users and memberships (Japanese names via Faker ja_JP)."""

from __future__ import annotations

from typing import Any

from factory.declarations import LazyAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker
from factory.helpers import post_generation

from madoguchi.accounts.models import Membership, Role, User
from madoguchi.tenancy.tests.factories import CenterFactory

# Long enough and uncommon enough for the real password validators.
DEFAULT_PASSWORD = "iwaki-Kohoukouchou-2026"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = Sequence(lambda n: f"staff{n:03d}")
    display_name = Faker("name", locale="ja_JP")
    last_name = Faker("last_name", locale="ja_JP")
    first_name = Faker("first_name", locale="ja_JP")
    email = LazyAttribute(lambda o: f"{o.username}@city.example.jp")
    is_active = True

    @post_generation  # type: ignore[untyped-decorator]
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:  # noqa: N805
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = SubFactory(UserFactory)
    center = SubFactory(CenterFactory)
    role = Role.OPERATOR
