"""Console screens at /console/staffing/: allowed roles get 200, others 403; the calculator
keeps what was typed on errors; plans are built, edited (all-or-nothing) and simulated;
the weekly seats report; every change audited."""

from __future__ import annotations

import html
from datetime import date, datetime

import pytest

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.workforce.models import ForecastEvent, StaffingPlan, StaffingSettings
from madoguchi.workforce.tests.factories import CallIntervalFactory

DAY = date(2026, 5, 18)
BASE = "/console/staffing/"


@pytest.fixture
def login(client, iwaki):
    def as_role(role: Role):
        user = user_create(actor=None, username=f"u-{role}", password="x-long-password-1")
        membership_grant(actor=None, user=user, center=iwaki, role=role)
        client.force_login(user)
        return user

    return as_role


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.SUPERVISOR, 200), (Role.MANAGER, 200), (Role.OPERATOR, 403), (Role.CITY_STAFF, 403)],
)
def test_only_staffing_roles_open_the_pages(client, login, role, status):
    login(role)
    for url in (BASE, BASE + "day/?date=2026-05-18", BASE + "seats/?date=2026-05-18"):
        assert client.get(url).status_code == status


def test_anonymous_goes_to_login(client, iwaki):
    response = client.get(BASE)
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_calculator_shows_the_worked_example(client, login):
    login(Role.SUPERVISOR)
    response = client.get(
        BASE,
        {"calls_per_hour": "200", "aht": "180", "target": "agents", "target_value": "14",
         "threshold_s": "20"},
    )  # fmt: skip
    assert response.status_code == 200
    page = text(response)
    assert "アーラン C" in page
    assert "17.41%" in page  # P(wait)
    assert "7.84 秒" in page  # ASA
    assert "88.84%" in page  # SL(20 s)


def test_calculator_answer_rate_target_in_percent(client, login):
    login(Role.SUPERVISOR)
    response = client.get(
        BASE,
        {"calls_per_hour": "200", "aht": "180", "patience": "60", "target": "answer_rate",
         "target_value": "90", "threshold_s": "20"},
    )  # fmt: skip
    page = text(response)
    assert "アーラン A" in page
    assert "12 名（シュリンケージ込み 12 名）" in page


def test_calculator_errors_keep_what_was_typed(client, login):
    login(Role.SUPERVISOR)
    response = client.get(
        BASE,
        {"calls_per_hour": "200", "aht": "180", "target": "agents", "target_value": "5",
         "threshold_s": "20", "patience": ""},
    )  # fmt: skip
    assert response.status_code == 400
    page = text(response)
    assert "待ち行列が限りなく伸びます" in page
    assert 'value="200"' in page and 'value="5"' in page
    bad = client.get(
        BASE, {"calls_per_hour": "abc", "aht": "180", "target": "asa", "target_value": "9"}
    )
    assert bad.status_code == 400
    assert 'value="abc"' in text(bad)
    assert "数値を入力してください" in text(bad)


def test_settings_and_events_are_saved_and_audited(client, login, iwaki, audit_trail):
    login(Role.MANAGER)
    audit_trail.mark()
    response = client.post(
        BASE + "settings/",
        {
            "interval_minutes": "30",
            "patience_s": "90",
            "history_weeks": "6",
            "default_aht_s": "240",
        },
    )
    assert response.status_code == 302
    saved = StaffingSettings.objects.get(center=iwaki)
    assert (saved.interval_minutes, saved.patience_s, saved.history_weeks) == (30, 90, 6)
    bad = client.post(BASE + "events/", {"date": "2026-05-18", "label": "発送", "uplift": "x1"})
    assert bad.status_code == 400
    assert 'value="発送"' in text(bad)
    ok = client.post(
        BASE + "events/", {"date": "2026-05-18", "label": "商品券発送", "uplift": "1.5"}
    )
    assert ok.status_code == 302
    event = ForecastEvent.objects.get(center=iwaki)
    assert str(event.uplift) == "1.500"
    assert "商品券発送" in text(client.get(BASE))
    client.post(BASE + f"events/{event.pk}/delete/")
    assert not ForecastEvent.objects.exists()
    assert audit_trail.actions() == [
        "workforce.settings.saved",
        "workforce.event.saved",
        "workforce.event.deleted",
    ]


def test_plan_build_edit_whatif_and_seats(client, login, iwaki, audit_trail):
    StaffingSettings.objects.create(center=iwaki, history_weeks=2)
    # History: 12 calls at 09:30 on Mondays May 11 and Apr 27; May 4 is a holiday (skipped).
    for week in (4, 11):
        CallIntervalFactory(
            center=iwaki,
            start=datetime(2026, 5, week, 9, 30, tzinfo=TOKYO),
            offered=12,
            answered=12,
        )
    CallIntervalFactory(
        center=iwaki, start=datetime(2026, 4, 27, 9, 30, tzinfo=TOKYO), offered=12, answered=12
    )
    login(Role.SUPERVISOR)
    audit_trail.mark()
    empty = text(client.get(BASE + "day/?date=2026-05-18"))
    assert "この日の要員計画はまだありません" in empty
    response = client.post(BASE + "day/plan/", {"date": "2026-05-18", "scope": "day"})
    assert response.status_code == 302
    plans = list(StaffingPlan.objects.filter(center=iwaki).order_by("start"))
    assert len(plans) == 11
    assert plans[1].required_agents > 0 and plans[0].required_agents == 0
    page = text(client.get(BASE + "day/?date=2026-05-18"))
    assert "09:30–10:30" in page and "12.0" in page
    # One bad value: nothing is saved, every typed value comes back.
    bad = client.post(
        BASE + "day/planned/",
        {"date": "2026-05-18", f"planned_{plans[0].pk}": "3", f"planned_{plans[1].pk}": "-1"},
    )
    assert bad.status_code == 400
    assert "0〜10000の整数で入力してください。" in text(bad)
    assert 'value="-1"' in text(bad) and 'value="3"' in text(bad)
    assert StaffingPlan.objects.get(pk=plans[0].pk).planned_agents == 0
    ok = client.post(
        BASE + "day/planned/",
        {"date": "2026-05-18", f"planned_{plans[0].pk}": "3", f"planned_{plans[1].pk}": "6"},
    )
    assert ok.status_code == 302
    assert StaffingPlan.objects.get(pk=plans[1].pk).planned_agents == 6
    whatif = client.post(BASE + "day/whatif/", {"date": "2026-05-18"})
    assert whatif.status_code == 200
    assert "計算式（アーラン A・平均放棄 120 秒）とシミュレーションの比較" in text(whatif)
    seats = text(client.get(BASE + "seats/?date=2026-05-20"))
    assert "週間の席数報告: 2026年5月18日〜5月24日" in seats
    assert "計画 9.0 人時" in seats  # 3 + 6 agents for an hour each
    assert audit_trail.actions() == [
        "workforce.forecast.built",
        "workforce.plan.built",
        "workforce.plan.changed",
        "workforce.plan.changed",
        "calls.queue.saved",
    ]


def test_closed_day_says_zero_and_another_centers_event_is_404(client, login, iwaki):
    login(Role.SUPERVISOR)
    page = text(client.get(BASE + "day/?date=2026-12-31"))
    assert "休業日" in page
    other = ForecastEvent.objects.create(
        center=_other_center(), date=DAY, label="他センター", uplift=2
    )
    assert client.post(BASE + f"events/{other.pk}/delete/").status_code == 404
    assert ForecastEvent.objects.filter(pk=other.pk).exists()


def _other_center():
    from madoguchi.tenancy.tests.factories import CenterFactory

    return CenterFactory()
