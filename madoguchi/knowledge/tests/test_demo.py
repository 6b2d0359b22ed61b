"""Demo FAQs: enough content per scenario, published through the workflow, searchable."""

from __future__ import annotations

import pytest

from madoguchi.knowledge import selectors
from madoguchi.knowledge.demo import knowledge_demo_load
from madoguchi.knowledge.models import ApprovalDecision, Faq, FaqApproval, FaqStatus, FaqText
from madoguchi.knowledge.search import index_cache

pytestmark = pytest.mark.django_db


def test_demo_content_is_loaded_once_and_is_searchable(all_scenarios) -> None:
    index_cache.invalidate()
    iwaki = all_scenarios["iwaki"]
    counts = {slug: knowledge_demo_load(center=c) for slug, c in all_scenarios.items()}
    assert counts["iwaki"] >= 40
    assert all(counts[s] >= 4 for s in ("niigata", "oita", "sapporo"))
    assert sum(knowledge_demo_load(center=c) for c in all_scenarios.values()) == 0  # idempotent
    assert not Faq.objects.exclude(status=FaqStatus.PUBLISHED).exists()
    assert (
        FaqApproval.objects.filter(decision=ApprovalDecision.APPROVED).count()
        == Faq.objects.count()
    )
    languages = set(FaqText.objects.filter(faq__center=iwaki).values_list("language", flat=True))
    assert languages == {"ja", "en", "zh-hans", "ko"}
    assert Faq.objects.filter(center=iwaki, is_public=False).exists()  # internal FAQs too
    result = selectors.faq_search(
        center=iwaki, language="ja", query="粗大ゴミを捨てたい", log=False
    )
    assert result.hits[0].faq.code == "IW-0016"
    english = selectors.faq_search(
        center=iwaki, language="en", query="residence certificate", log=False
    )
    assert "IW-0001" in [h.faq.code for h in english.hits[:3]]
    synonym = selectors.faq_search(
        center=iwaki, language="ja", query="ワンちゃんを飼った", log=False
    )
    assert synonym.hits[0].faq.code == "IW-0036"
    related = selectors.published_faq(center=iwaki, code="IW-0001")
    assert related is not None
    assert [f.code for f in related.visible_related] == ["IW-0002", "IW-0005"]  # type: ignore[attr-defined]
