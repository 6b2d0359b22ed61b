"""FAQ-9 read API: published public FAQs only, JSON errors, OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from madoguchi.knowledge.models import Axis, FaqStatus, SearchLog
from madoguchi.knowledge.search import index_cache
from madoguchi.knowledge.tests.factories import (
    FaqCategoryFactory,
    FaqFactory,
    FaqLinkFactory,
    FaqTextFactory,
    PublishedFaqFactory,
)
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    index_cache.invalidate()
    center = CenterFactory.create(slug="iwaki")
    waste = FaqCategoryFactory.create(
        center=center, axis=Axis.LIFE_EVENT, slug="gomi", name="ごみ", name_en="Waste"
    )
    gomi = PublishedFaqFactory.create(center=center, code="G-1", text_ja=None)
    FaqTextFactory.create(
        faq=gomi, question="粗大ごみの出し方を教えてください", answer="電話で申し込みます。"
    )
    FaqTextFactory.create(
        faq=gomi,
        language="en",
        question="How do I put out oversized garbage?",
        answer="Book a collection by phone.",
    )
    gomi.categories.add(waste)
    FaqLinkFactory.create(faq=gomi, url="https://www.city.example.jp/sodai.html", title="粗大ごみ")
    dog = PublishedFaqFactory.create(center=center, code="D-1", text_ja=None)
    FaqTextFactory.create(faq=dog, question="犬の登録", answer="保健所で登録します。")
    gomi.related.add(dog)
    secret = PublishedFaqFactory.create(center=center, code="S-1", is_public=False, text_ja=None)
    FaqTextFactory.create(faq=secret, question="粗大ごみの内部手順", answer="内部")
    gomi.related.add(secret)
    draft = FaqFactory.create(center=center, code="X-1", status=FaqStatus.DRAFT)
    FaqTextFactory.create(faq=draft, question="粗大ごみ 下書き", answer="下書き")
    ended = PublishedFaqFactory.create(
        center=center, code="E-1", publish_end=timezone.now() - timedelta(hours=1)
    )
    assert ended.pk
    return center


def test_list_by_language_and_category(center, client: Client) -> None:
    body = client.get("/api/v1/centers/iwaki/faqs").json()
    assert body["count"] == 2
    assert [item["code"] for item in body["items"]] == ["D-1", "G-1"]
    english = client.get("/api/v1/centers/iwaki/faqs?lang=en").json()
    assert [(i["code"], i["question"]) for i in english["items"]] == [
        ("G-1", "How do I put out oversized garbage?")
    ]
    waste = client.get("/api/v1/centers/iwaki/faqs?category=life_event:gomi").json()
    assert [i["code"] for i in waste["items"]] == ["G-1"]
    assert waste["items"][0]["categories"] == ["life_event:gomi"]


def test_detail_hides_internal_related_faqs(center, client: Client) -> None:
    body = client.get("/api/v1/centers/iwaki/faqs/G-1?lang=en").json()
    assert body["question"] == "How do I put out oversized garbage?"
    assert body["links"] == [{"url": "https://www.city.example.jp/sodai.html", "title": "粗大ごみ"}]
    assert body["related"] == [{"code": "D-1", "question": "犬の登録"}]  # S-1 is internal
    fallback = client.get("/api/v1/centers/iwaki/faqs/D-1?lang=ko").json()
    assert fallback["language"] == "ja"


@pytest.mark.parametrize("code", ["S-1", "X-1", "E-1", "NOPE"])
def test_hidden_faqs_are_404_json(center, client: Client, code: str) -> None:
    response = client.get(f"/api/v1/centers/iwaki/faqs/{code}")
    assert response.status_code == 404
    assert response.json() == {"detail": "faq not found"}


def test_errors_are_json_4xx(center, client: Client) -> None:
    missing = client.get("/api/v1/centers/nowhere/faqs")
    assert (missing.status_code, missing.json()) == (404, {"detail": "center not found"})
    bad_lang = client.get("/api/v1/centers/iwaki/faqs?lang=fr")
    assert bad_lang.status_code == 422
    assert "detail" in bad_lang.json()
    no_query = client.get("/api/v1/centers/iwaki/search")
    assert no_query.status_code == 422


def test_search_and_suggest(center, client: Client) -> None:
    body = client.get("/api/v1/centers/iwaki/search", {"q": "粗大ごみを出したい"}).json()
    assert [h["code"] for h in body["hits"]] == ["G-1"]  # not the internal or draft ones
    assert body["strict_hit"] is True
    assert SearchLog.objects.get().channel == "public"
    suggest = client.get("/api/v1/centers/iwaki/suggest", {"q": "そだい"}).json()
    assert suggest["questions"] == [{"code": "G-1", "question": "粗大ごみの出し方を教えてください"}]


def test_categories_in_a_language(center, client: Client) -> None:
    body = client.get("/api/v1/centers/iwaki/categories?lang=en").json()
    assert body == [{"axis": "life_event", "slug": "gomi", "name": "Waste", "parent": None}]


def test_openapi_schema_lists_the_read_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Madoguchi API"
    paths = set(schema["paths"])
    assert {
        "/api/v1/centers/{slug}/faqs",
        "/api/v1/centers/{slug}/faqs/{code}",
        "/api/v1/centers/{slug}/categories",
        "/api/v1/centers/{slug}/search",
        "/api/v1/centers/{slug}/suggest",
    } <= paths
    assert all(set(ops) == {"get"} for ops in schema["paths"].values())  # read-only
