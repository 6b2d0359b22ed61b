"""factory_boy factories for the FAQ knowledge base (Japanese-looking values via Faker ja_JP).

These write rows directly, without versions, analysed terms or audit events: use them for
the *context* of a test (another center's FAQs, rows to list) and the services for what
is under test. ``PublishedFaqFactory`` gives a public FAQ with a Japanese text, the
usual starting point for public-site tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

from factory.declarations import (
    LazyAttribute,
    LazyFunction,
    RelatedFactory,
    SelfAttribute,
    Sequence,
    SubFactory,
)
from factory.django import DjangoModelFactory
from factory.faker import Faker

from madoguchi.knowledge.models import (
    Axis,
    Category,
    Faq,
    FaqLink,
    FaqStatus,
    FaqText,
    FaqUse,
    FaqVersion,
    SearchChannel,
    SearchLog,
    Synonym,
)
from madoguchi.tenancy.tests.factories import CenterFactory

_PUBLISHED_AT = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo, a Monday


class FaqCategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category

    center = SubFactory(CenterFactory)
    axis = Axis.LIFE_EVENT
    parent = None
    slug = Sequence(lambda n: f"category-{n}")
    name = Sequence(lambda n: f"引っ越し{n}")
    order = Sequence(lambda n: n)
    is_active = True


class FaqFactory(DjangoModelFactory[Faq]):
    """A draft FAQ without texts (add ``FaqTextFactory`` rows, or use the subclass)."""

    class Meta:
        model = Faq
        skip_postgeneration_save = True

    center = SubFactory(CenterFactory)
    code = Sequence(lambda n: f"FAQ-{n:05d}")
    department = None
    is_public = True
    status = FaqStatus.DRAFT
    version = 0


class FaqTextFactory(DjangoModelFactory[FaqText]):
    class Meta:
        model = FaqText

    faq = SubFactory(FaqFactory)
    language = "ja"
    question = Sequence(lambda n: f"住民票の写しはどこで取れますか（{n}）")
    answer = Faker("paragraph", locale="ja_JP")
    keywords = ""
    terms = LazyFunction(dict)


class PublishedFaqFactory(FaqFactory):
    """A published, public FAQ with a Japanese text and version 1."""

    status = FaqStatus.PUBLISHED
    published_at = _PUBLISHED_AT
    version = 1
    text_ja = RelatedFactory(FaqTextFactory, factory_related_name="faq", language="ja")


class FaqLinkFactory(DjangoModelFactory[FaqLink]):
    class Meta:
        model = FaqLink

    faq = SubFactory(FaqFactory)
    url = Sequence(lambda n: f"https://www.city.example.jp/page/{n}.html")
    title = "市のホームページ"
    order = 0


class FaqVersionFactory(DjangoModelFactory[FaqVersion]):
    class Meta:
        model = FaqVersion

    faq = SubFactory(FaqFactory)
    number = Sequence(lambda n: n + 1)
    snapshot = LazyAttribute(lambda o: {"code": o.faq.code, "texts": {}})
    comment = "作成"
    created_at = _PUBLISHED_AT


class SynonymFactory(DjangoModelFactory[Synonym]):
    class Meta:
        model = Synonym

    center = SubFactory(CenterFactory)
    term = Sequence(lambda n: f"国保{n}")
    alternatives = LazyFunction(lambda: ["国民健康保険"])
    is_active = True


class SearchLogFactory(DjangoModelFactory[SearchLog]):
    class Meta:
        model = SearchLog

    center = SubFactory(CenterFactory)
    week_start = LazyFunction(lambda: _PUBLISHED_AT.date())
    language = "ja"
    channel = SearchChannel.PUBLIC
    query = Sequence(lambda n: f"粗大ごみ 出し方{n}")
    count = 1
    strict_hit = False
    had_results = True
    last_searched_at = _PUBLISHED_AT


class FaqUseFactory(DjangoModelFactory[FaqUse]):
    class Meta:
        model = FaqUse

    faq = SubFactory(PublishedFaqFactory)
    interaction = SubFactory(
        "madoguchi.interactions.tests.factories.InteractionFactory",
        center=SelfAttribute("..faq.center"),
    )
    operator = None
    used_at = _PUBLISHED_AT
