"""The center's KPI options screen (/console/reports/settings/) through the test client."""

from __future__ import annotations

from typing import Any

import pytest

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.reports.kpi import KpiOptions
from madoguchi.reports.models import ReportRecipient, ReportSettings
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


RECIPIENTS = URL + "recipients/"


def test_manager_adds_and_removes_a_recipient_audited(
    client, iwaki, make_user, audit_trail
) -> None:
    client.force_login(make_user("kanri3", Role.MANAGER, iwaki))

    response = client.post(
        RECIPIENTS, {"kind": "daily", "email": "Shimin@City.Iwaki.example", "name": "市民課"}
    )

    assert response.status_code == 302
    recipient = ReportRecipient.objects.get(center=iwaki)
    assert (recipient.kind, recipient.email, recipient.name, recipient.is_active) == (
        "daily",
        "shimin@city.iwaki.example",
        "市民課",
        True,
    )
    page = client.get(URL).content.decode()
    assert "shimin@city.iwaki.example" in page and "日報" in page

    response = client.post(f"{RECIPIENTS}{recipient.pk}/remove/")

    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.is_active is False
    assert "shimin@city.iwaki.example" not in client.get(URL).content.decode()
    changes = [
        e.data["change"] for e in audit_trail.events() if e.action == "reports.recipient.saved"
    ]
    assert changes == ["added", "removed"]


def test_bad_recipient_keeps_what_was_typed(client, iwaki, make_user) -> None:
    client.force_login(make_user("kanri4", Role.MANAGER, iwaki))

    response = client.post(
        RECIPIENTS, {"kind": "monthly", "email": "not-an-address", "name": "企画課"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "有効なメールアドレス" in html or "メールアドレス" in html
    assert 'value="not-an-address"' in html and 'value="企画課"' in html
    assert not ReportRecipient.objects.exists()


def test_supervisor_cannot_change_recipients(client, iwaki, make_user) -> None:
    client.force_login(make_user("sv1", Role.SUPERVISOR, iwaki))

    response = client.post(RECIPIENTS, {"kind": "daily", "email": "a@city.example"})

    assert response.status_code == 403
    assert not ReportRecipient.objects.exists()


def test_removing_another_centers_recipient_is_refused(client, all_scenarios, make_user) -> None:
    iwaki, other = all_scenarios["iwaki"], all_scenarios["niigata"]
    foreign = ReportRecipient.objects.create(center=other, kind="daily", email="x@city.example")
    client.force_login(make_user("kanri5", Role.MANAGER, iwaki))

    response = client.post(f"{RECIPIENTS}{foreign.pk}/remove/", follow=True)

    foreign.refresh_from_db()
    assert foreign.is_active is True
    assert "その送付先は登録されていません。" in response.content.decode()
