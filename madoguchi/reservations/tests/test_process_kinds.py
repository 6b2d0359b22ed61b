"""Public and staff processes get their own bounded connection pools and statement
timeouts (REL-3, docs/deployment.md). Each case starts a real process with the
environment a deployment would give it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.db import connection

SHOW = (
    "import json; from django.conf import settings; "
    "print(json.dumps({k: v for k, v in settings.DATABASES['default'].items() "
    "if k in ('OPTIONS', 'CONN_MAX_AGE')}, default=str))"
)


def settings_of(show: str = SHOW, **env: str) -> Any:
    result = subprocess.run(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "madoguchi", "shell", "-c", show],
        env={**os.environ, "MADOGUCHI_ENV": "development", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PG = "postgres://madoguchi@127.0.0.1:9/madoguchi"  # parsed only, never connected to


def test_public_processes_get_a_small_pool_and_a_short_statement_timeout():
    public = settings_of(MADOGUCHI_PROCESS_KIND="public", DATABASE_URL=PG)
    staff = settings_of(MADOGUCHI_PROCESS_KIND="staff", DATABASE_URL=PG)
    assert public["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 5}
    assert public["OPTIONS"]["options"] == "-c statement_timeout=2000"
    assert public["CONN_MAX_AGE"] == 0
    assert staff["OPTIONS"]["options"] == "-c statement_timeout=30000"


def test_the_environment_overrides_the_kind_defaults():
    tuned = settings_of(
        MADOGUCHI_PROCESS_KIND="public",
        DATABASE_URL=PG,
        DATABASE_POOL_MAX_SIZE="12",
        DATABASE_STATEMENT_TIMEOUT_MS="0",
    )
    single = settings_of(DATABASE_URL=PG, DATABASE_CONN_MAX_AGE="60")
    assert tuned["OPTIONS"]["pool"]["max_size"] == 12
    assert "options" not in tuned["OPTIONS"]
    # Prepared statements only where reservations/sql.py asks for them.
    assert single == {"CONN_MAX_AGE": 60, "OPTIONS": {"prepare_threshold": 1_000_000}}


def test_citizen_processes_leave_out_the_staff_only_middleware():
    show = "import json; from django.conf import settings; print(json.dumps(settings.MIDDLEWARE))"
    staff_only = {
        "madoguchi.console.middleware.ConsoleJapaneseMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "axes.middleware.AxesMiddleware",
    }
    public = settings_of(
        show, MADOGUCHI_PROCESS_KIND="public", MADOGUCHI_URLCONF="madoguchi.config.urls_public"
    )
    full = settings_of(show, MADOGUCHI_PROCESS_KIND="public")  # full URLconf: keeps them
    assert staff_only <= set(full)
    assert not staff_only & set(public)
    assert public == [name for name in full if name not in staff_only]
    assert "madoguchi.audit.middleware.RequestContextMiddleware" in public


def test_an_unknown_process_kind_refuses_to_start():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "madoguchi", "check"],
        env={**os.environ, "MADOGUCHI_ENV": "development", "MADOGUCHI_PROCESS_KIND": "both"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "MADOGUCHI_PROCESS_KIND must be all, public or staff" in result.stderr


@pytest.mark.django_db
def test_a_public_process_really_runs_with_its_pool_and_timeout():
    """On PostgreSQL: a public process's connection comes from the pool and has the
    2 s statement timeout."""
    if connection.vendor != "postgresql":
        pytest.skip("connection pools and statement timeouts are PostgreSQL settings")
    url = os.environ["DATABASE_URL"]
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW statement_timeout'); "
        "print(c.fetchone()[0], type(connection.pool).__name__)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "madoguchi", "shell", "-c", code],
        env={
            **os.environ,
            "MADOGUCHI_ENV": "development",
            "MADOGUCHI_PROCESS_KIND": "public",
            "DATABASE_URL": url,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["2s", "ConnectionPool"]
