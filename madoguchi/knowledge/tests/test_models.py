"""The tables' own rules: uniqueness, the publication window, append-only versions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from madoguchi.knowledge.models import Axis, FaqApproval, FaqStatus
from madoguchi.knowledge.tests.factories import (
    FaqCategoryFactory,
    FaqFactory,
    FaqTextFactory,
    FaqUseFactory,
    FaqVersionFactory,
    PublishedFaqFactory,
    SearchLogFactory,
    SynonymFactory,
)

pytestmark = pytest.mark.django_db


def test_factories_build_a_published_faq_with_a_japanese_text() -> None:
    faq = PublishedFaqFactory.create()
    assert faq.status == FaqStatus.PUBLISHED
    assert [t.language for t in faq.texts.all()] == ["ja"]
    use = FaqUseFactory.create(faq=faq)
    assert use.interaction.center_id == faq.center_id
    assert faq.uses.count() == 1


def test_faq_code_is_unique_per_center_only() -> None:
    faq = FaqFactory.create(code="FAQ-1")
    FaqFactory.create(code="FAQ-1")  # another center
    with pytest.raises(IntegrityError), transaction.atomic():
        FaqFactory.create(center=faq.center, code="FAQ-1")


def test_one_text_per_language() -> None:
    text = FaqTextFactory.create(language="ja")
    FaqTextFactory.create(faq=text.faq, language="en")
    with pytest.raises(IntegrityError), transaction.atomic():
        FaqTextFactory.create(faq=text.faq, language="ja")


def test_publication_window_must_end_after_it_starts() -> None:
    start = datetime(2026, 4, 1, tzinfo=UTC)
    FaqFactory.create(publish_start=start, publish_end=datetime(2026, 5, 1, tzinfo=UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        FaqFactory.create(publish_start=start, publish_end=start)


def test_versions_are_append_only() -> None:
    version = FaqVersionFactory.create()
    version.comment = "書き換え"
    with pytest.raises(ValueError, match="append-only"):
        version.save()


def test_one_pending_approval_per_faq() -> None:
    version = FaqVersionFactory.create()
    now = datetime(2026, 4, 1, tzinfo=UTC)
    FaqApproval.objects.create(faq=version.faq, version=version, requested_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        FaqApproval.objects.create(faq=version.faq, version=version, requested_at=now)


def test_category_name_falls_back_to_japanese() -> None:
    category = FaqCategoryFactory.create(axis=Axis.DISTRICT, name="平地区", name_en="Taira")
    assert category.name_in("en") == "Taira"
    assert category.name_in("ko") == "平地区"
    assert category.name_in("ja") == "平地区"


def test_synonym_and_search_log_are_unique_per_key() -> None:
    synonym = SynonymFactory.create(term="国保")
    with pytest.raises(IntegrityError), transaction.atomic():
        SynonymFactory.create(center=synonym.center, term="国保")
    log = SearchLogFactory.create(query="ごみ")
    with pytest.raises(IntegrityError), transaction.atomic():
        SearchLogFactory.create(center=log.center, week_start=log.week_start, query="ごみ")
