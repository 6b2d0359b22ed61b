"""The center's KPI options screen (/console/reports/settings/) through the test client."""

from __future__ import annotations

from typing import Any

import pytest

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.reports.kpi import KpiOptions
from madoguchi.reports.models import ReportSettings
from madoguchi.tenancy.models import Center

URL = "/console/reports/settings/"
PASSWORD = "kinmokusei-no-kaori-2026"
GOOD = {
    "short_abandon_s": "5",
    "include_blocked": "on",
    "long_call_s": "900",
    "service_level_s": "30",
    "exclude_first_six_months": "on",
}


@pytest.fixture
def make_user(db: None) -> Any:
    def make(username: str, role: Role, center: Center) -> Any:
        user = user_create(actor=None, username=username, password=PASSWORD)
        membership_grant(actor=None, user=user, center=center, role=role)
        return user

    return make


def test_manager_sees_the_defaults_and_saves(client, iwaki, make_user, audit_trail) -> None:
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "集計設定: いわき市総合コールセンター" in html
    assert 'name="long_call_s" value="1200"' in html  # the default
    assert "受電応答率" in html  # the definitions are shown

    response = client.post(URL, GOOD)

    assert response.status_code == 302
    saved = ReportSettings.objects.get(center=iwaki)
    assert (saved.short_abandon_s, saved.include_blocked, saved.include_voicemail) == (
        5,
        True,
        False,
    )
    assert (saved.long_call_s, saved.service_level_s) == (900, 30)
    options = KpiOptions.for_center(iwaki)
    assert (options.short_abandon_s, options.include_voicemail, options.long_call_s) == (
        5,
        False,
        900,
    )
    (event,) = [e for e in audit_trail.events() if e.action == "reports.settings.saved"]
    assert event.data["before"] is None
    assert event.data["after"]["long_call_s"] == 900
    # saving again records what it was before
    client.post(URL, {**GOOD, "short_abandon_s": ""})
    assert ReportSettings.objects.get(center=iwaki).short_abandon_s is None
    last = [e for e in audit_trail.events() if e.action == "reports.settings.saved"][-1]
    assert last.data["before"]["short_abandon_s"] == 5


def test_bad_values_keep_what_was_typed(client, iwaki, make_user) -> None:
    client.force_login(make_user("kanri", Role.MANAGER, iwaki))
    response = client.post(URL, {**GOOD, "short_abandon_s": "61", "long_call_s": "abc"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="61"' in html and 'value="abc"' in html
    assert "整数を入力してください。" in html  # Django's own message, in Japanese
    assert not ReportSettings.objects.exists()
    # a range error from the service is shown on its field
    response = client.post(URL, {**GOOD, "short_abandon_s": "61"})
    assert response.status_code == 400
    assert "短時間放棄の閾値は0〜60秒で入力してください" in response.content.decode()
    assert not ReportSettings.objects.exists()


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.CITY_STAFF])
def test_other_roles_may_not_change_how_figures_are_counted(client, iwaki, make_user, role) -> None:
    client.force_login(make_user("someone", role, iwaki))
    assert client.get(URL).status_code == 403
    assert client.post(URL, GOOD).status_code == 403
    assert not ReportSettings.objects.exists()


def test_another_centers_manager_changes_only_their_center(
    client, load_scenarios, make_user
) -> None:
    load_scenarios("iwaki", "niigata")
    iwaki = Center.objects.get(slug="iwaki")
    niigata = Center.objects.get(slug="niigata")
    client.force_login(make_user("niigata-kanri", Role.MANAGER, niigata))
    assert client.post(URL, GOOD).status_code == 302
    assert ReportSettings.objects.get().center == niigata
    assert KpiOptions.for_center(iwaki).long_call_s == 1200
