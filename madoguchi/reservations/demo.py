"""Demo data for the centers that take bookings (``load_demo``): the Niigata vaccination
center (two doses, two venues) and the Oita My Number card center (one appointment),
slots on the next five business days, a small roster, and one event in Iwaki.
Idempotent: running it again adds nothing that exists."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.reservations.models import Event, RosterEntry, Service, Slot, Venue
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import Center
from madoguchi.tenancy.selectors import next_business_day

DEMO: dict[str, dict[str, Any]] = {
    "niigata": {
        "service": {
            "slug": "covid-vaccination",
            "kind": "vaccination",
            "name": "新型コロナワクチン接種（集団接種）",
            "name_en": "COVID-19 vaccination (mass vaccination site)",
            "name_zh_hans": "新冠疫苗接种（集体接种）",
            "name_ko": "코로나19 백신 접종(집단 접종)",
            "doses": 2,
            "what_to_bring": "接種券、本人確認書類（運転免許証・保険証など）、記入済みの予診票",
            "what_to_bring_en": "Your coupon, photo ID (driving licence, health insurance "
            "card, etc.) and the completed pre-vaccination questionnaire",
            "what_to_bring_zh_hans": "接种券、身份证明文件（驾照、保险证等）、已填写的预诊表",
            "what_to_bring_ko": "접종권, 신분증(운전면허증·보험증 등), 작성한 예진표",
        },
        "venues": [
            (
                "朱鷺メッセ 新潟コンベンションセンター",
                "Toki Messe Niigata Convention Center",
                "新潟市中央区万代島6-1",
            ),
            (
                "新潟市役所 本館1階",
                "Niigata City Hall, main building 1F",
                "新潟市中央区学校町通1番町602-1",
            ),
        ],
        "starts": [time(9, 0), time(9, 30), time(10, 0), time(10, 30), time(13, 30), time(14, 0)],
        "capacity": 20,
        "web_capacity": 15,
    },
    "oita": {
        "service": {
            "slug": "mynumber-card",
            "kind": "mynumber_card",
            "name": "マイナンバーカード交付（予約制）",
            "name_en": "My Number Card pick-up (by appointment)",
            "name_zh_hans": "个人编号卡领取（预约制）",
            "name_ko": "마이넘버 카드 교부(예약제)",
            "doses": 1,
            "what_to_bring": "交付通知書（はがき）、本人確認書類、通知カード（お持ちの方）",
            "what_to_bring_en": "The notification postcard, photo ID and your notification card "
            "(if you have one)",
            "what_to_bring_zh_hans": "交付通知书（明信片）、身份证明文件、通知卡（如有）",
            "what_to_bring_ko": "교부 통지서(엽서), 신분증, 통지 카드(가지고 있는 분)",
        },
        "venues": [
            (
                "大分市役所 本庁舎1階 市民課",
                "Oita City Hall, main building 1F",
                "大分市荷揚町2番31号",
            ),
        ],
        "starts": [time(9, 0), time(10, 0), time(11, 0), time(14, 0), time(15, 0)],
        "capacity": 8,
        "web_capacity": 6,
    },
}


def _business_days(center: Center, count: int) -> list[date]:
    day = timezone.now().astimezone(TOKYO).date()
    days: list[date] = []
    while len(days) < count:
        day = next_business_day(center, day + timedelta(days=1))
        days.append(day)
    return days


@transaction.atomic
def reservations_demo_load() -> None:
    for slug, spec in DEMO.items():
        center = Center.objects.filter(slug=slug).first()
        if center is None:
            continue
        service_spec = dict(spec["service"])
        service, _created = Service.objects.get_or_create(
            center=center, slug=service_spec.pop("slug"), defaults=service_spec
        )
        for name, name_en, address in spec["venues"]:
            venue, _created = Venue.objects.get_or_create(
                center=center, name=name, defaults={"name_en": name_en, "address": address}
            )
            for day in _business_days(center, 5):
                for start in spec["starts"]:
                    starts_at = datetime.combine(day, start, tzinfo=TOKYO)
                    Slot.objects.get_or_create(
                        venue=venue,
                        service=service,
                        starts_at=starts_at,
                        defaults={
                            "ends_at": starts_at + timedelta(minutes=30),
                            "capacity": spec["capacity"],
                            "web_capacity": spec["web_capacity"],
                        },
                    )
        # Coupon 0000000001 born 1950-04-01, 0000000002 born 1950-04-02, ...
        for n in range(1, 31):
            RosterEntry.objects.get_or_create(
                center=center,
                coupon_number=f"{n:010d}",
                defaults={"birth_date": date(1950, 4, 1) + timedelta(days=n - 1)},
            )
    iwaki = Center.objects.filter(slug="iwaki").first()
    if iwaki is not None:
        day = _business_days(iwaki, 10)[-1]
        Event.objects.get_or_create(
            center=iwaki,
            title="健康づくり講座「はじめてのウォーキング」",
            defaults={
                "description": "保健師による講話と軽い運動。動きやすい服装でお越しください。",
                "place": "いわき市文化センター 大会議室",
                "starts_at": datetime.combine(day, time(10, 0), tzinfo=TOKYO),
                "ends_at": datetime.combine(day, time(11, 30), tzinfo=TOKYO),
                "capacity": 40,
                "max_party": 3,
            },
        )
