"""The public FAQ pages through the test client: languages, fallback, votes, 404s."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from madoguchi.knowledge.models import Axis, FaqView, FaqVote, ViewChannel
from madoguchi.knowledge.tests.factories import (
    FaqCategoryFactory,
    FaqLinkFactory,
    FaqTextFactory,
    PublishedFaqFactory,
)
from madoguchi.tenancy.models import CenterKind
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    center = CenterFactory.create(
        slug="city", name="市民総合コールセンター", kind=CenterKind.GENERAL
    )
    moving = FaqCategoryFactory.create(
        center=center, axis=Axis.LIFE_EVENT, slug="moving", name="引っ越し", name_en="Moving"
    )
    district = FaqCategoryFactory.create(
        center=center, axis=Axis.DISTRICT, slug="taira", name="平地区", name_en=""
    )
    empty = FaqCategoryFactory.create(center=center, axis=Axis.KEYWORD, slug="empty", name="空")
    juminhyo = PublishedFaqFactory.create(center=center, code="F-001", text_ja=None)
    FaqTextFactory.create(
        faq=juminhyo,
        language="ja",
        question="住民票の写しはどこで取れますか",
        answer="市民課の窓口とコンビニで取れます。",
    )
    FaqTextFactory.create(
        faq=juminhyo,
        language="en",
        question="Where can I get a copy of my residence certificate?",
        answer="At the Citizens Division counter or a convenience store.",
    )
    gomi = PublishedFaqFactory.create(center=center, code="F-002", text_ja=None)
    FaqTextFactory.create(
        faq=gomi, language="ja", question="粗大ごみの出し方を教えてください", answer="予約制です。"
    )
    draft = PublishedFaqFactory.create(center=center, code="F-003", status="draft")
    juminhyo.categories.add(moving, district)
    gomi.categories.add(moving)
    draft.categories.add(empty)
    juminhyo.related.add(gomi, draft)
    FaqLinkFactory.create(
        faq=juminhyo, url="https://www.city.example.jp/juminhyo.html", title="住民票"
    )
    return {"center": center, "juminhyo": juminhyo, "gomi": gomi, "draft": draft}


def h1(body: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", body, re.S)


@pytest.mark.parametrize(
    ("prefix", "lang", "title"),
    [
        ("", "ja", "よくある質問"),
        ("/en", "en", "FAQ"),
        ("/zh-hans", "zh-hans", "常见问题"),
        ("/ko", "ko", "자주 묻는 질문"),
    ],
)
def test_index_in_four_languages_browses_each_axis(client, site, prefix, lang, title):
    response = client.get(f"{prefix}/faq/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in body
    assert h1(body) == [title]
    # Only categories that hold a public FAQ are offered: not the one with the draft.
    assert f'href="{prefix}/faq/city/category/life_event/moving/"' in body
    assert f'href="{prefix}/faq/city/category/district/taira/"' in body
    assert "/category/keyword/empty/" not in body


def test_category_page_lists_its_public_faqs_in_the_page_language(client, site):
    body = client.get("/en/faq/city/category/life_event/moving/").content.decode()
    assert h1(body) == ["Moving"]
    assert (
        '<a href="/en/faq/city/F-001/">Where can I get a copy of my residence certificate?</a>'
        in body
    )
    # No English text: the Japanese question, marked as Japanese.
    assert '<a href="/en/faq/city/F-002/" lang="ja">粗大ごみの出し方を教えてください</a>' in body


def test_faq_page_shows_answer_links_and_only_public_related_faqs(client, site):
    body = client.get("/faq/city/F-001/").content.decode()
    assert h1(body) == ["住民票の写しはどこで取れますか"]
    assert "市民課の窓口とコンビニで取れます。" in body
    assert 'href="https://www.city.example.jp/juminhyo.html"' in body
    assert 'href="/faq/city/F-002/"' in body  # related, public
    assert "/faq/city/F-003/" not in body  # related, but a draft
    assert "日本語で表示しています" not in body


def test_missing_translation_falls_back_to_japanese_with_a_note(client, site):
    body = client.get("/ko/faq/city/F-002/").content.decode()
    assert h1(body) == ["粗大ごみの出し方を教えてください"]
    assert '<article class="faq" lang="ja">' in body
    assert "선택하신 언어" in body  # the Korean note saying the text is shown in Japanese


def test_translated_faq_page_has_no_fallback_note(client, site):
    body = client.get("/en/faq/city/F-001/").content.decode()
    assert h1(body) == ["Where can I get a copy of my residence certificate?"]
    assert 'class="fallback-note"' not in body


@pytest.mark.parametrize(
    "path",
    [
        "/faq/city/F-003/",  # draft
        "/faq/city/NO-SUCH/",
        "/faq/nowhere/F-001/",
        "/faq/city/category/life_event/nothing/",
        "/faq/city/category/bad-axis/moving/",
        "/en/faq/city/%E4%BD%8F%E6%B0%91%3Cscript%3E/",
        "/faq/nowhere/",
        "/faq/nowhere/ranking/",
    ],
)
def test_unknown_or_hidden_pages_are_a_friendly_404(client, site, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()


def test_faq_outside_its_publication_window_is_not_shown(client, site):
    faq = site["gomi"]
    faq.publish_end = datetime(2026, 1, 1, tzinfo=UTC)
    faq.save()
    assert client.get("/faq/city/F-002/").status_code == 404


def test_vote_once_per_session_then_thank_you(client, site):
    url = "/faq/city/F-001/"
    client.get(url)  # the page gives the browser its session
    response = client.post(f"{url}vote/", {"helpful": "no", "reason": "窓口の時間が知りたい"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}#feedback"

    body = client.get(url).content.decode()
    assert "ご回答ありがとうございました" in body
    assert 'name="helpful"' not in body  # the form is gone for this session

    second = client.post(f"{url}vote/", {"helpful": "yes"})
    assert second.status_code == 302
    assert list(FaqVote.objects.values_list("helpful", "reason")) == [
        (False, "窓口の時間が知りたい")
    ]

    # Another browser may vote.
    Client().post(f"{url}vote/", {"helpful": "yes"})
    assert FaqVote.objects.count() == 2


def test_thank_you_is_translated(client, site):
    client.post("/zh-hans/faq/city/F-001/vote/", {"helpful": "yes"})
    body = client.get("/zh-hans/faq/city/F-001/").content.decode()
    assert "感谢您的回答" in body
    assert FaqVote.objects.get().language == "zh-hans"


def test_vote_without_choice_or_with_a_my_number_keeps_the_text(client, site):
    url = "/en/faq/city/F-001/vote/"
    missing = client.post(url, {"reason": "unclear"})
    assert missing.status_code == 400
    assert "Please choose" in missing.content.decode()
    assert ">unclear</textarea>" in missing.content.decode()

    pii = client.post(url, {"helpful": "no", "reason": "my number is 1234 5678 9018"})
    body = pii.content.decode()
    assert pii.status_code == 400
    assert "cannot be sent" in body
    assert "my number is 1234 5678 9018</textarea>" in body
    assert FaqVote.objects.count() == 0


def test_vote_needs_post_and_csrf(site):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get("/faq/city/F-001/vote/").status_code == 405
    assert strict.post("/faq/city/F-001/vote/", {"helpful": "yes"}).status_code == 403
    assert FaqVote.objects.count() == 0


def test_page_views_count_per_session_and_staff_apart(client, site, django_user_model):
    client.get("/faq/city/F-001/")
    client.get("/faq/city/F-001/")
    Client().get("/en/faq/city/F-001/")
    staff = Client()
    staff.force_login(django_user_model.objects.create_user(username="op", password="x"))
    staff.get("/faq/city/F-001/")

    channels = sorted(FaqView.objects.values_list("channel", flat=True))
    assert channels == [ViewChannel.PUBLIC, ViewChannel.PUBLIC, ViewChannel.STAFF]

    body = client.get("/faq/city/ranking/").content.decode()
    assert re.search(r"2\s*views|2件の閲覧", body)


def test_ranking_page_tolerates_a_bad_week_parameter(client, site):
    for week in ("garbage", "2026-13-45", "9999-12-31", "0001-01-01", "%00", "2026-01-07x"):
        response = client.get("/faq/city/ranking/", {"week": week})
        assert response.status_code == 200


def test_statistics_page_shows_rates_and_wilson_bounds(client, site):
    for n in range(4):
        Client().post("/faq/city/F-002/vote/", {"helpful": "yes" if n < 3 else "no"})
    Client().post("/faq/city/F-001/vote/", {"helpful": "yes"})

    body = client.get("/faq/city/statistics/").content.decode()
    assert "5件の評価のうち4件が「役に立った」（80%）" in body
    # 3/4: rate 75 %, Wilson lower bound 30.1 %; 1/1: 100 %, 20.7 %.
    rows = re.findall(r'<tr>\s*<td><a href="([^"]+)"[^>]*>.*?</a></td>(.*?)</tr>', body, re.S)
    cells = [(href, re.findall(r'<td class="num">(.*?)</td>', rest)) for href, rest in rows]
    assert cells == [
        ("/faq/city/F-002/", ["3", "4", "75%", "30.1%"]),
        ("/faq/city/F-001/", ["1", "1", "100%", "20.7%"]),
    ]


# --- search and suggest -------------------------------------------------------------


@pytest.fixture
def lexical_only(monkeypatch):
    monkeypatch.setenv("MADOGUCHI_SEARCH_MODEL", "off")


def test_search_without_javascript_lists_public_matches_and_logs_the_query(
    client, site, lexical_only
):
    from madoguchi.knowledge.models import SearchLog

    response = client.get("/faq/city/search/", {"q": "住民票 090-1234-5678"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="/faq/city/F-001/"' in body
    assert "/faq/city/F-003/" not in body  # the draft never appears
    assert 'value="住民票 090-1234-5678"' in body  # what was typed stays in the box
    log = SearchLog.objects.get()
    assert (log.query, log.channel, log.language, log.count) == (
        "住民票 ###-####-####",
        "public",
        "ja",
        1,
    )


def test_search_in_english_uses_the_english_text(client, site, lexical_only):
    body = client.get("/en/faq/city/search/", {"q": "residence certificate"}).content.decode()
    assert "Where can I get a copy of my residence certificate?" in body
    assert "1 question matches “residence certificate”." in body


@pytest.mark.parametrize(
    "query",
    ["", "   ", "<script>alert(1)</script>", "%", "' OR 1=1 --", "🙂🙂🙂", "ｼﾞｭｳﾐﾝﾋｮｳ"],
)
def test_search_never_fails_on_odd_input(client, site, lexical_only, query):
    response = client.get("/faq/city/search/", {"q": query})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in body


def test_overlong_or_null_queries_get_a_translated_message(client, site, lexical_only):
    long = client.get("/en/faq/city/search/", {"q": "あ" * 201})
    assert long.status_code == 400
    assert "Please enter at most 200 characters." in long.content.decode()
    null = client.get("/ko/faq/city/search/", {"q": "住民\x00票"})
    assert null.status_code == 400
    assert "검색어에 사용할 수 없는 문자가 포함되어 있습니다." in null.content.decode()


def test_suggest_returns_terms_questions_and_top_three(client, site, lexical_only):
    data = client.get("/faq/city/suggest/", {"q": "住民"}).json()
    assert "住民" in data["terms"] or "住民票" in data["terms"]
    assert data["questions"] == [
        {"question": "住民票の写しはどこで取れますか", "url": "/faq/city/F-001/", "lang": "ja"}
    ]
    assert [item["url"] for item in data["top"]] == ["/faq/city/F-001/"]


def test_suggest_matches_the_reading_of_kana_input(client, site, lexical_only):
    data = client.get("/faq/city/suggest/", {"q": "じゅうみん"}).json()
    assert [item["url"] for item in data["questions"]] == ["/faq/city/F-001/"]


def test_suggest_orders_questions_by_this_weeks_views(client, site, lexical_only):
    center = site["center"]
    a = PublishedFaqFactory.create(center=center, code="G-1", text_ja=None)
    FaqTextFactory.create(
        faq=a, language="ja", question="ごみの分け方", answer="分別表をご覧ください。"
    )
    b = PublishedFaqFactory.create(center=center, code="G-2", text_ja=None)
    FaqTextFactory.create(
        faq=b, language="ja", question="ごみの収集日", answer="地区ごとに違います。"
    )
    for _ in range(3):
        Client().get("/faq/city/G-2/")

    data = client.get("/faq/city/suggest/", {"q": "ごみ"}).json()
    urls = [item["url"] for item in data["questions"]]
    assert urls[0] == "/faq/city/G-2/"
    assert set(urls) >= {"/faq/city/G-1/", "/faq/city/F-002/"}


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "あ" * 500}, {"q": "\x00"}])
def test_suggest_gives_empty_lists_for_odd_input(client, site, params):
    response = client.get("/faq/city/suggest/", params)
    assert response.status_code == 200
    assert response.json() == {"terms": [], "questions": [], "top": []}


def test_suggest_never_shows_faqs_hidden_from_the_public(client, site, lexical_only):
    hidden = PublishedFaqFactory.create(
        center=site["center"], code="INT-1", is_public=False, text_ja=None
    )
    FaqTextFactory.create(faq=hidden, language="ja", question="住民票の内部手順", answer="職員用")
    data = client.get("/faq/city/suggest/", {"q": "住民票"}).json()
    everything = data["questions"] + data["top"]
    assert "/faq/city/INT-1/" not in [item["url"] for item in everything]


def test_translated_page_also_finds_japanese_only_faqs_and_japanese_queries(
    client, site, lexical_only
):
    # 粗大ごみ has no English text: found on /en/ all the same, shown in Japanese.
    body = client.get("/en/faq/city/search/", {"q": "粗大ごみ"}).content.decode()
    assert '<a href="/en/faq/city/F-002/" lang="ja">粗大ごみの出し方を教えてください</a>' in body
    # A Japanese query on the English page finds the translated FAQ, shown in English.
    body = client.get("/en/faq/city/search/", {"q": "住民票"}).content.decode()
    assert '<a href="/en/faq/city/F-001/">Where can I get a copy' in body


def _queries(client, path, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path",
    [
        "/faq/city/category/life_event/moving/",
        "/faq/city/ranking/",
        "/faq/city/statistics/",
        "/faq/city/",
        "/",
    ],
)
def test_list_pages_do_not_query_per_faq(client, site, path, django_assert_max_num_queries):
    from madoguchi.knowledge import services_public

    center = site["center"]
    moving = center.faq_categories.get(slug="moving")

    def add(n: int) -> None:
        for i in range(n):
            faq = PublishedFaqFactory.create(center=center, text_ja=None)
            FaqTextFactory.create(faq=faq, language="ja", question=f"質問{i}", answer="回答")
            faq.categories.add(moving)
            services_public.faq_view_record(faq=faq, session_key=f"s{i}")
            services_public.faq_vote_record(faq=faq, session_key=f"s{i}", helpful=True)

    add(2)
    few = _queries(client, path, django_assert_max_num_queries)
    add(6)
    many = _queries(client, path, django_assert_max_num_queries)
    assert many == few


def test_attachments_are_served_for_public_faqs_only(client, site, settings, tmp_path):
    from django.core.files.base import ContentFile

    from madoguchi.knowledge.models import FaqAttachment

    settings.MEDIA_ROOT = tmp_path

    def attach(faq, name, content_type, data):
        attachment = FaqAttachment(faq=faq, title=name, content_type=content_type, size=len(data))
        attachment.file.save(name, ContentFile(data), save=False)
        attachment.save()
        return attachment

    pdf = attach(site["juminhyo"], "guide.pdf", "application/pdf", b"%PDF-1.4 test")
    sheet = attach(site["juminhyo"], "fees.csv", "text/csv", "手数料,300\n".encode())
    hidden = attach(site["draft"], "draft.pdf", "application/pdf", b"%PDF-1.4 draft")

    page = client.get("/faq/city/F-001/").content.decode()
    assert f'href="/faq/city/F-001/attachments/{pdf.pk}/"' in page

    response = client.get(f"/faq/city/F-001/attachments/{pdf.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"

    download = client.get(f"/faq/city/F-001/attachments/{sheet.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    # Reading the stream to its end closes the file the way a server would (calling
    # response.close() here would also close the test's database connection).
    assert b"".join(download.streaming_content) == "手数料,300\n".encode()

    # Another FAQ's attachment through this FAQ's URL, a draft's, a missing file: 404.
    assert client.get(f"/faq/city/F-002/attachments/{pdf.pk}/").status_code == 404
    assert client.get(f"/faq/city/F-003/attachments/{hidden.pk}/").status_code == 404
    pdf.file.storage.delete(pdf.file.name)
    assert client.get(f"/faq/city/F-001/attachments/{pdf.pk}/").status_code == 404


def test_ranking_page_shows_the_requested_iso_week(client, site):
    from madoguchi.knowledge import services_public
    from madoguchi.tenancy.calendars import TOKYO

    sunday_late = datetime(2026, 1, 11, 23, 59, tzinfo=TOKYO)
    monday = datetime(2026, 1, 12, 0, 0, tzinfo=TOKYO)
    services_public.faq_view_record(faq=site["juminhyo"], session_key="a", at=sunday_late)
    services_public.faq_view_record(faq=site["gomi"], session_key="b", at=monday)

    body = client.get("/faq/city/ranking/", {"week": "2026-01-07"}).content.decode()
    assert "2026年1月5日〜2026年1月11日" in body
    assert 'href="/faq/city/F-001/"' in body and 'href="/faq/city/F-002/"' not in body
    assert 'href="?week=2025-12-29"' in body and 'href="?week=2026-01-12"' in body

    body = client.get("/en/faq/city/ranking/", {"week": "2026-01-12"}).content.decode()
    assert 'href="/en/faq/city/F-002/"' in body and 'href="/en/faq/city/F-001/"' not in body
    assert "1 view" in body
