"""The four reference centers, each as its procurement document describes it.

``madoguchi load_scenario SLUG`` loads one through the ordinary services, so a
scenario is audited like any other change and loading it twice changes nothing.
Department extensions and external numbers are demo values, not the cities' own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

from django.db import transaction

from madoguchi.tenancy import services
from madoguchi.tenancy.models import (
    Center,
    CenterKind,
    DayType,
    NumberKind,
    OverflowAction,
    RetentionKind,
)

Hours = tuple[time, time] | None


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    extension: str = ""
    external: str = ""
    address: str = ""
    parent: str | None = None
    contact_point: bool = False


@dataclass(frozen=True)
class Scenario:
    slug: str
    source: str
    center: dict[str, Any]
    numbers: list[tuple[str, NumberKind, str]]
    hours: dict[DayType, Hours]
    year_end_closure: bool
    retention: dict[RetentionKind, int] = field(default_factory=dict)
    departments: list[DepartmentSpec] = field(default_factory=list)


def _t(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _span(opens: str, closes: str) -> Hours:
    return (_t(opens), _t(closes))


SCENARIOS: dict[str, Scenario] = {
    "iwaki": Scenario(
        slug="iwaki",
        source="002 いわき市総合コールセンター仕様書",
        center={
            "name": "いわき市総合コールセンター",
            "name_en": "Iwaki City General Contact Center",
            "kind": CenterKind.GENERAL,
            "description": (
                "市の代表電話5回線の電話交換と、市政に関するお問い合わせにお答えします。"
            ),
            "languages": ["ja"],
            "overflow_action": OverflowAction.CONGESTION,
            "target_answer_rate": Decimal("90.00"),
            "target_asa_seconds": 9,
            "target_first_contact_completion": Decimal("90.00"),
            "target_first_answer_rate": Decimal("75.00"),
            "target_csat": Decimal("80.00"),
        },
        numbers=[
            ("0246-22-1111", NumberKind.REPRESENTATIVE, "市役所本庁舎 代表"),
            ("0246-54-2111", NumberKind.REPRESENTATIVE, "小名浜支所 代表"),
            ("0246-63-2111", NumberKind.REPRESENTATIVE, "勿来支所 代表"),
            ("0246-43-2111", NumberKind.REPRESENTATIVE, "常磐支所 代表"),
            ("0246-26-2111", NumberKind.REPRESENTATIVE, "内郷支所 代表"),
        ],
        hours={
            DayType.WEEKDAY: _span("08:30", "19:00"),
            DayType.SATURDAY: _span("08:30", "17:00"),
            DayType.SUNDAY: _span("08:30", "17:00"),
            DayType.HOLIDAY: _span("08:30", "17:00"),
        },
        year_end_closure=True,
        retention={RetentionKind.RECORDING: 90, RetentionKind.INTERACTION_PERSONAL: 365},
        departments=[
            DepartmentSpec("広報広聴課", "2151", "0246-22-7401", "本庁舎5階", contact_point=True),
            DepartmentSpec("市民課", "2301", "0246-22-7451", "本庁舎1階"),
            DepartmentSpec("保険年金課", "2331", "0246-22-7461", "本庁舎1階"),
            DepartmentSpec("市民税課", "2251", "0246-22-7431", "本庁舎2階"),
            DepartmentSpec("ごみ減量推進課", "2621", "0246-22-7481", "本庁舎6階"),
            DepartmentSpec("こども家庭課", "2561", "0246-22-7471", "本庁舎2階"),
            DepartmentSpec("小名浜支所 市民課", "", "0246-54-2112", "小名浜支所"),
        ],
    ),
    "niigata": Scenario(
        slug="niigata",
        source="000 新潟市新型コロナワクチン接種コールセンター仕様書、001 質問回答",
        center={
            "name": "新潟市新型コロナワクチン接種コールセンター",
            "name_en": "Niigata City COVID-19 Vaccination Call Center",
            "kind": CenterKind.SPECIALIZED,
            "description": "ワクチン接種のご予約（集団接種）とお問い合わせを受け付けます。",
            "languages": ["ja", "en", "zh-hans", "ko"],
            "overflow_action": OverflowAction.CONGESTION,
            "target_answer_rate": Decimal("90.00"),
        },
        numbers=[("025-250-0700", NumberKind.INQUIRY, "接種予約・問合せ専用")],
        hours={
            DayType.WEEKDAY: _span("08:30", "18:00"),
            DayType.SATURDAY: _span("09:00", "17:00"),
            DayType.SUNDAY: _span("09:00", "17:00"),
            DayType.HOLIDAY: _span("09:00", "17:00"),
        },
        # The spec sets hours for every day and no year-end closure.
        year_end_closure=False,
        retention={RetentionKind.RECORDING: 90, RetentionKind.BOOKING: 365},
        departments=[
            DepartmentSpec(
                "保健衛生部 新型コロナウイルスワクチン接種対策室",
                "",
                "025-212-8183",
                contact_point=True,
            ),
        ],
    ),
    "oita": Scenario(
        slug="oita",
        source="003 大分市マイナンバーカードコールセンター仕様書",
        center={
            "name": "大分市マイナンバーカードコールセンター",
            "name_en": "Oita City My Number Card Call Center",
            "kind": CenterKind.SPECIALIZED,
            "description": "マイナンバーカードの申請・交付のご予約とお問い合わせを受け付けます。",
            "languages": ["ja", "en", "zh-hans", "ko"],
            "overflow_action": OverflowAction.CONGESTION,
            "target_answer_rate": Decimal("90.00"),
        },
        numbers=[("097-510-5151", NumberKind.INQUIRY, "マイナンバーカードコールセンター")],
        hours={DayType.WEEKDAY: _span("08:30", "18:00")},
        year_end_closure=True,
        retention={RetentionKind.RECORDING: 90},
        departments=[
            DepartmentSpec(
                "市民課（本庁）", "", "097-537-5617", "大分市役所本庁舎", contact_point=True
            ),
            DepartmentSpec("稙田支所", "", "097-541-1111", "稙田支所"),
            DepartmentSpec("鶴崎支所", "", "097-527-2111", "鶴崎支所"),
            DepartmentSpec("大在支所", "", "097-592-1111", "大在支所"),
            DepartmentSpec("明野支所", "", "097-558-1111", "明野支所"),
        ],
    ),
    "sapporo": Scenario(
        slug="sapporo",
        source="004 札幌市高齢者施策アンケート コールセンター仕様書",
        center={
            "name": "札幌市高齢者施策アンケート コールセンター",
            "name_en": "Sapporo Elderly Policy Survey Call Center",
            "kind": CenterKind.SPECIALIZED,
            "description": "高齢者施策に関するアンケートのお問い合わせ・ご意見を受け付けます。",
            "languages": ["ja"],
            "line_count": 5,
            "overflow_action": OverflowAction.VOICEMAIL,
        },
        numbers=[("011-211-2977", NumberKind.INQUIRY, "アンケート専用ダイヤル")],
        hours={DayType.WEEKDAY: _span("09:00", "18:00")},
        year_end_closure=True,
        retention={RetentionKind.RECORDING: 60, RetentionKind.VOICEMAIL: 60},
        departments=[
            DepartmentSpec(
                "保健福祉局 高齢保健福祉部 高齢福祉課", "", "011-211-2976", contact_point=True
            ),
        ],
    ),
}


@transaction.atomic
def scenario_load(*, slug: str, actor: Any = None) -> Center:
    """Load one scenario; running it again leaves the data as it is."""
    scenario = SCENARIOS[slug]
    center = services.center_upsert(actor=actor, slug=scenario.slug, **scenario.center)
    calendar = center.calendar
    services.calendar_year_end_set(
        actor=actor, calendar=calendar, closed=scenario.year_end_closure, center=center
    )
    current = {h.day_type: (h.opens, h.closes) for h in calendar.hours.all()}
    for day_type in DayType:
        wanted = scenario.hours.get(day_type)
        if current.get(day_type) != wanted:
            opens, closes = wanted if wanted else (None, None)
            services.calendar_hours_set(
                actor=actor,
                calendar=calendar,
                day_type=day_type,
                opens=opens,
                closes=closes,
                center=center,
            )
    for number, kind, label in scenario.numbers:
        services.inbound_number_add(
            actor=actor, center=center, number=number, kind=kind, label=label
        )
    existing_retention = {r.kind: r.days for r in center.retention_periods.all()}
    for retention_kind, days in scenario.retention.items():
        if existing_retention.get(retention_kind) != days:
            services.retention_set(actor=actor, center=center, kind=retention_kind, days=days)
    existing_departments = set(center.departments.values_list("name", flat=True))
    for spec in scenario.departments:
        if spec.name in existing_departments:
            continue
        services.department_upsert(
            actor=actor,
            center=center,
            name=spec.name,
            extension=spec.extension,
            external_number=spec.external,
            address=spec.address,
            is_contact_point=spec.contact_point,
        )
    return center
