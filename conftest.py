"""Shared pytest fixtures for every app's tests.

* Passwords are hashed with MD5 in tests (Argon2 is deliberately slow); one test in
  ``accounts/tests/test_services.py`` proves Argon2 is the production hasher.
* Faker / factory_boy are seeded, so generated Japanese names are reproducible.
"""

from __future__ import annotations

import io

import factory.random
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import RequestFactory

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True, scope="session")
def _seed_faker():
    factory.random.reseed_random("madoguchi")


@pytest.fixture
def login_request():
    """Make a fresh log-in POST as axes and the login signals see it (with REMOTE_ADDR)."""

    def make(ip: str = "192.0.2.10"):
        request = RequestFactory().post("/console/login/", REMOTE_ADDR=ip)
        request.user = AnonymousUser()
        return request

    return make


@pytest.fixture
def iwaki(db):
    """The いわき市 reference center, loaded through the scenario loader."""
    from madoguchi.tenancy.models import Center

    call_command("load_scenario", "iwaki", stdout=io.StringIO())
    return Center.objects.select_related("calendar").get(slug="iwaki")


@pytest.fixture
def load_scenarios(db):
    """Load reference centers by slug; returns {slug: Center} for the ones asked for."""
    from madoguchi.tenancy.models import Center

    def load(*slugs: str):
        call_command("load_scenario", *slugs, stdout=io.StringIO())
        return {c.slug: c for c in Center.objects.select_related("calendar").filter(slug__in=slugs)}

    return load


@pytest.fixture
def all_scenarios(db):
    """All four reference centers, by slug."""
    from madoguchi.tenancy.models import Center

    call_command("load_scenario", "iwaki", "niigata", "oita", "sapporo", stdout=io.StringIO())
    return {c.slug: c for c in Center.objects.select_related("calendar")}


class AuditTrail:
    """The audit events written since :meth:`mark` (by default: since the fixture ran)."""

    def __init__(self) -> None:
        self.mark()

    def mark(self) -> None:
        from django.db.models import Max

        from madoguchi.audit.models import AuditEvent

        self.since = AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0

    def events(self):
        from madoguchi.audit.models import AuditEvent

        return list(AuditEvent.objects.filter(seq__gt=self.since).order_by("seq"))

    def actions(self) -> list[str]:
        return [event.action for event in self.events()]


@pytest.fixture
def audit_trail(db):
    return AuditTrail()
