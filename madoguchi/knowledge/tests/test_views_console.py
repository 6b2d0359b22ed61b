"""FAQ console screens through the test client: rights, kept input, workflow, import."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from madoguchi.accounts.models import Role
from madoguchi.accounts.tests.factories import MembershipFactory
from madoguchi.interactions.tests.factories import InteractionFactory
from madoguchi.knowledge import services
from madoguchi.knowledge.content import FaqContent, TextInput
from madoguchi.knowledge.models import Faq, FaqStatus, FaqUse, SearchLog, Synonym
from madoguchi.knowledge.search import index_cache
from madoguchi.knowledge.tests.factories import (
    FaqTextFactory,
    PublishedFaqFactory,
    SearchLogFactory,
)
from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    index_cache.invalidate()
    return CenterFactory.create(slug="iwaki-console")


def _client(center, role) -> tuple[Client, object]:
    user = MembershipFactory.create(center=center, role=role).user
    client = Client()
    client.force_login(user)
    return client, user


def _form(**extra: str) -> dict[str, str]:
    data = {
        "code": "GOMI-1",
        "question_ja": "粗大ごみの出し方",
        "answer_ja": "粗大ごみ受付センターに申し込みます。",
        "keywords_ja": "大型ごみ",
        "is_public": "on",
        "links": "https://www.city.example.jp/sodai.html 粗大ごみのページ",
    }
    data.update(extra)
    return data


def test_nav_links_to_the_faq_list_for_operators(center) -> None:
    client, _user = _client(center, Role.OPERATOR)
    response = client.get("/console/faq/")
    assert response.status_code == 200
    assert 'href="/console/faq/"' in response.content.decode()
    assert client.get("/console/faq/new/").status_code == 403


def test_editor_creates_and_edits_through_the_form(center) -> None:
    client, _user = _client(center, Role.FAQ_EDITOR)
    response = client.post("/console/faq/new/", _form())
    assert response.status_code == 302
    faq = Faq.objects.get(code="GOMI-1")
    assert faq.links.get().title == "粗大ごみのページ"
    detail = client.get("/console/faq/f/GOMI-1/").content.decode()
    assert "粗大ごみの出し方" in detail
    assert "市の承認に回す" in detail
    edited = client.post(
        "/console/faq/f/GOMI-1/edit/",
        _form(answer_ja="電話かインターネットで申し込みます。", comment="申込方法を追記"),
    )
    assert edited.status_code == 302
    faq.refresh_from_db()
    assert faq.version == 2
    history = client.get("/console/faq/f/GOMI-1/history/").content.decode()
    assert "申込方法を追記" in history
    assert "粗大ごみ受付センターに申し込みます。" in history  # left side of the diff
    assert "電話かインターネットで申し込みます。" in history  # right side


def test_refused_input_is_kept_with_the_error(center) -> None:
    client, _user = _client(center, Role.FAQ_EDITOR)
    response = client.post(
        "/console/faq/new/",
        _form(answer_ja="カード 4111-1111-1111-1111 で払えます", question_en="How?"),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "How?" in body  # what was typed stays
    assert "field-error" in body
    assert not Faq.objects.exists()
    # An English question without an answer: the service's error lands on the field.
    response = client.post("/console/faq/new/", _form(question_en="How?"))
    assert response.status_code == 400
    assert "回答を入力してください。" in response.content.decode()


def test_workflow_buttons_follow_the_matrix(center) -> None:
    editor_client, editor = _client(center, Role.FAQ_EDITOR)
    city_client, _city = _client(center, Role.CITY_STAFF)
    faq = services.faq_create(
        actor=editor,
        center=center,
        code="A-1",
        content=FaqContent(texts={"ja": TextInput("質問", "回答")}),
    )
    assert editor_client.post("/console/faq/f/A-1/submit/").status_code == 302
    # An editor pressing approve is refused by the service, the page says why.
    refused = editor_client.post("/console/faq/f/A-1/approve/")
    assert refused.status_code == 400
    assert "権限がありません" in refused.content.decode()
    queue = city_client.get("/console/faq/approvals/").content.decode()
    assert "A-1" in queue and "新規（初めての承認）" in queue
    assert city_client.post("/console/faq/f/A-1/approve/", {"comment": "可"}).status_code == 302
    assert editor_client.post("/console/faq/f/A-1/publish/").status_code == 302
    faq.refresh_from_db()
    assert faq.status == FaqStatus.PUBLISHED
    assert city_client.get("/console/faq/approvals/").status_code == 200
    assert editor_client.get("/console/faq/approvals/").status_code == 403


def test_import_preview_then_apply(center) -> None:
    client, editor = _client(center, Role.FAQ_EDITOR)
    services.faq_create(
        actor=editor,
        center=center,
        code="A-1",
        content=FaqContent(texts={"ja": TextInput("質問", "回答")}),
    )
    exported = client.get("/console/faq/export/?format=csv")
    assert exported["Content-Disposition"].startswith('attachment; filename="faq-iwaki-console-')
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    rows[1][rows[0].index("回答(ja)")] = "新しい回答"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    upload = SimpleUploadedFile("faq.csv", out.getvalue().encode("cp932"))
    preview = client.post("/console/faq/import/", {"step": "preview", "file": upload})
    assert preview.status_code == 200
    assert "変更 1 件" in preview.content.decode()
    assert Faq.objects.get(code="A-1").version == 1  # preview changes nothing
    applied = client.post("/console/faq/import/", {"step": "apply"})
    assert applied.status_code == 302
    assert Faq.objects.get(code="A-1").version == 2
    broken = SimpleUploadedFile("bad.csv", "FAQ-ID,質問(ja),回答(ja)\r\n,q,a\r\n".encode())
    response = client.post("/console/faq/import/", {"step": "preview", "file": broken})
    assert response.status_code == 400
    assert "1列目「FAQ-ID」" in response.content.decode()
    assert "この内容で取り込む" not in response.content.decode()


def test_report_offers_synonym_and_draft_and_the_synonym_page_adds(center) -> None:
    client, _user = _client(center, Role.FAQ_EDITOR)
    SearchLogFactory.create(center=center, week_start=date(2026, 6, 1), query="ワンちゃん", count=3)
    page = client.get("/console/faq/report/?week=2026-06-03").content.decode()
    assert "ワンちゃん" in page
    assert "/console/faq/synonyms/?term=%E3%83%AF" in page
    assert "/console/faq/new/?question=%E3%83%AF" in page
    draft = client.get("/console/faq/new/?question=ワンちゃん").content.decode()
    assert "ワンちゃん</textarea>" in draft
    response = client.post("/console/faq/synonyms/", {"term": "ワンちゃん", "alternatives": "犬"})
    assert response.status_code == 302
    assert Synonym.objects.get().alternatives == ["犬"]


def test_pane_search_suggest_and_use(center) -> None:
    client, _operator = _client(center, Role.OPERATOR)
    faq = PublishedFaqFactory.create(center=center, code="D-1", text_ja=None, is_public=False)
    FaqTextFactory.create(faq=faq, question="犬の登録はどこでしますか", answer="保健所です。")
    body = client.get("/console/faq/pane/search/", {"q": "犬の登録"}).json()
    assert [h["code"] for h in body["hits"]] == ["D-1"]  # internal FAQs too
    assert SearchLog.objects.get().channel == "staff"
    suggest = client.get("/console/faq/pane/suggest/", {"q": "いぬ"}).json()
    assert [q["code"] for q in suggest["questions"]] == ["D-1"]
    interaction = InteractionFactory.create(center=center)
    used = client.post("/console/faq/pane/use/", {"interaction": interaction.pk, "faq": "D-1"})
    assert used.json() == {"ok": True, "faq": "D-1", "faq_ids": ["D-1"]}
    assert FaqUse.objects.count() == 1
    other = InteractionFactory.create()
    missing = client.post("/console/faq/pane/use/", {"interaction": other.pk, "faq": "D-1"})
    assert missing.status_code == 404
    page = client.get(f"/console/faq/pane/?interaction={interaction.pk}").content.decode()
    assert f'data-interaction="{interaction.pk}"' in page
    assert "faq_pane.js" in page


def test_faq_list_query_count_is_bounded(center, django_assert_max_num_queries) -> None:
    client, _user = _client(center, Role.FAQ_EDITOR)
    for i in range(30):
        PublishedFaqFactory.create(center=center, code=f"Q-{i:02d}")
    with django_assert_max_num_queries(20):
        response = client.get("/console/faq/")
    assert response.content.decode().count("/console/faq/f/Q-") == 30


def test_a_second_preview_replaces_the_first_and_a_lost_file_is_reported(center, tmp_path) -> None:
    client, _editor = _client(center, Role.FAQ_EDITOR)
    good = "FAQ-ID,質問(ja),回答(ja)\r\nN-1,質問,回答\r\n".encode()
    for _ in range(2):
        upload = SimpleUploadedFile("faq.csv", good)
        assert (
            client.post("/console/faq/import/", {"step": "preview", "file": upload}).status_code
            == 200
        )
    stored = list((tmp_path / "faq-imports").iterdir())
    assert len(stored) == 1
    stored[0].unlink()
    response = client.post("/console/faq/import/", {"step": "apply"}, follow=True)
    assert "確認済みのファイルが見つかりません" in response.content.decode()
    assert not Faq.objects.filter(code="N-1").exists()


def test_operator_views_count_on_the_staff_channel_only(center) -> None:
    from madoguchi.knowledge.models_feedback import FaqView, ViewChannel

    client, _user = _client(center, Role.OPERATOR)
    PublishedFaqFactory.create(center=center, code="V-1")
    assert client.post("/console/faq/pane/view/", {"faq": "V-1"}).json() == {
        "ok": True,
        "faq": "V-1",
    }
    client.post("/console/faq/pane/view/", {"faq": "V-1"})  # same session, same week
    assert client.get("/console/faq/f/V-1/").status_code == 200
    assert list(FaqView.objects.values_list("faq__code", "channel")) == [("V-1", ViewChannel.STAFF)]
    assert client.post("/console/faq/pane/view/", {"faq": "NOPE"}).status_code == 404
