"""Writes of the knowledge context: rights, validation, versions, workflow, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from madoguchi.accounts.models import Role
from madoguchi.accounts.tests.factories import MembershipFactory
from madoguchi.interactions.models import InteractionEventType
from madoguchi.interactions.tests.factories import InteractionFactory
from madoguchi.knowledge import services, tasks
from madoguchi.knowledge.content import FaqContent, TextInput
from madoguchi.knowledge.errors import KnowledgeError
from madoguchi.knowledge.models import (
    ApprovalDecision,
    Axis,
    Faq,
    FaqStatus,
    FaqText,
    FaqUse,
    SearchChannel,
    SearchLog,
    Synonym,
)
from madoguchi.knowledge.tests.factories import FaqCategoryFactory, PublishedFaqFactory
from madoguchi.tenancy.tests.factories import CenterFactory, DepartmentFactory

pytestmark = pytest.mark.django_db(transaction=False)


def _user(center, role):
    return MembershipFactory.create(center=center, role=role).user


def _content(question: str = "粗大ごみはどう出せばいいですか", **extra) -> FaqContent:
    return FaqContent(
        texts={"ja": TextInput(question, "粗大ごみ受付センターに電話で申し込んでください。")},
        **extra,
    )


@pytest.fixture
def center():
    return CenterFactory.create()


@pytest.fixture
def editor(center):
    return _user(center, Role.FAQ_EDITOR)


@pytest.fixture
def city(center):
    return _user(center, Role.CITY_STAFF)


def test_editor_creates_a_draft_with_version_one_and_an_audit_event(
    center, editor, audit_trail
) -> None:
    dept = DepartmentFactory.create(center=center, name="ごみ減量推進課")
    life = FaqCategoryFactory.create(center=center, axis=Axis.LIFE_EVENT, slug="kurashi")
    faq = services.faq_create(
        actor=editor,
        center=center,
        code="ＧＯＭＩ-001",
        content=_content(
            department=dept,
            categories=[life],
            links=[("https://www.city.example.jp/gomi.html", "ごみの出し方")],
        ),
    )
    assert faq.code == "GOMI-001"  # NFKC: full-width typed, half-width stored
    assert faq.status == FaqStatus.DRAFT
    assert faq.version == 1
    assert faq.review_due == timezone.localdate() + timedelta(days=365)
    version = faq.versions.get()
    assert version.number == 1
    assert version.author == editor
    assert version.snapshot["department"] == "ごみ減量推進課"
    assert version.snapshot["categories"] == ["life_event:kurashi"]
    assert version.snapshot["links"] == [
        {"url": "https://www.city.example.jp/gomi.html", "title": "ごみの出し方"}
    ]
    assert version.snapshot["texts"]["ja"]["question"] == "粗大ごみはどう出せばいいですか"
    assert audit_trail.actions() == ["knowledge.faq.created"]


def test_operator_and_city_staff_may_not_create(center, city) -> None:
    operator = _user(center, Role.OPERATOR)
    for actor in (operator, city, _user(CenterFactory.create(), Role.FAQ_EDITOR)):
        with pytest.raises(KnowledgeError, match="権限"):
            services.faq_create(actor=actor, center=center, code="A-1", content=_content())
    assert not Faq.objects.exists()


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (FaqContent(texts={"en": TextInput("How?", "Call us.")}), "question_ja"),
        (FaqContent(texts={"ja": TextInput("質問だけ", "")}), "answer_ja"),
        (FaqContent(texts={"ja": TextInput("番号 1234 5678 9018", "回答")}), "question_ja"),
        (_content(links=[("javascript:alert(1)", "x")]), "links"),
        (
            _content(
                publish_start=datetime(2026, 5, 1, tzinfo=UTC),
                publish_end=datetime(2026, 4, 1, tzinfo=UTC),
            ),
            "publish_end",
        ),
    ],
)
def test_bad_content_is_refused_with_the_field_and_nothing_written(
    center, editor, content, field
) -> None:
    with pytest.raises(KnowledgeError) as exc:
        services.faq_create(actor=editor, center=center, code="A-1", content=content)
    assert exc.value.field == field
    assert not Faq.objects.exists()


def test_my_number_in_the_answer_is_refused(center, editor) -> None:
    # 12 digits with a valid My Number check digit.
    content = FaqContent(texts={"ja": TextInput("質問", "番号は 123456789018 です")})
    with pytest.raises(KnowledgeError) as exc:
        services.faq_create(actor=editor, center=center, code="A-1", content=content)
    assert exc.value.field == "answer_ja"


def test_duplicate_code_and_foreign_department_are_refused(center, editor) -> None:
    services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    with pytest.raises(KnowledgeError) as exc:
        services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    assert exc.value.field == "code"
    other_dept = DepartmentFactory.create()
    with pytest.raises(KnowledgeError) as exc:
        services.faq_create(
            actor=editor, center=center, code="A-2", content=_content(department=other_dept)
        )
    assert exc.value.field == "department"


def test_update_adds_a_version_only_when_something_changed(center, editor, audit_trail) -> None:
    faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    audit_trail.mark()
    services.faq_update(actor=editor, faq=faq, content=_content())
    assert faq.versions.count() == 1
    assert audit_trail.actions() == []
    content = _content()
    content.texts["en"] = TextInput("How do I put out oversized garbage?", "Call the center.")
    faq = services.faq_update(actor=editor, faq=faq, content=content, comment="英語版")
    assert faq.version == 2
    latest = faq.versions.order_by("-number").first()
    assert latest is not None and latest.comment == "英語版"
    assert set(latest.snapshot["texts"]) == {"ja", "en"}
    assert audit_trail.actions() == ["knowledge.faq.updated"]
    # Removing the English text is a change too.
    faq = services.faq_update(actor=editor, faq=faq, content=_content())
    assert faq.version == 3
    assert list(faq.texts.values_list("language", flat=True)) == ["ja"]


def test_a_changed_text_queues_its_embedding_after_commit(
    center, editor, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    text = faq.texts.get()
    queued = DBTaskResult.objects.filter(task_path__endswith="faq_text_embed_task")
    assert [r.args_kwargs["args"] for r in queued] == [[text.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        services.faq_update(actor=editor, faq=faq, content=_content())
    assert queued.count() == 1  # unchanged text: nothing to recompute


def test_embedding_task_reports_gone_and_keeps_no_vector_without_a_model(center, editor) -> None:
    faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    text = faq.texts.get()
    assert tasks.faq_text_embed_task.call(text.pk + 999) == "gone"
    outcome = tasks.faq_text_embed_task.call(text.pk)
    text.refresh_from_db()
    if outcome == "stored":
        assert text.embedding and text.embedding_model
    else:
        assert outcome == "no_model"
        assert text.embedding is None


def test_workflow_draft_approval_publication_archive(center, editor, city, audit_trail) -> None:
    faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    with pytest.raises(KnowledgeError, match="承認"):
        services.faq_publish(actor=editor, faq=faq)
    approval = services.faq_submit(actor=editor, faq=faq, comment="新規作成")
    faq.refresh_from_db()
    assert faq.status == FaqStatus.AWAITING_APPROVAL
    with pytest.raises(KnowledgeError, match="承認待ち"):
        services.faq_update(actor=editor, faq=faq, content=_content("変更"))
    with pytest.raises(KnowledgeError, match="権限"):
        services.faq_approve(actor=editor, faq=faq)  # editors do not approve
    with pytest.raises(KnowledgeError, match="権限"):
        services.faq_publish(actor=city, faq=faq)  # the city does not publish
    approval = services.faq_approve(actor=city, faq=faq, comment="確認しました")
    assert approval.decision == ApprovalDecision.APPROVED
    assert approval.decided_by == city
    assert approval.version.number == 1
    faq = services.faq_publish(actor=editor, faq=faq)
    assert faq.status == FaqStatus.PUBLISHED
    assert faq.published_at is not None
    faq = services.faq_archive(actor=editor, faq=faq)
    assert faq.status == FaqStatus.ARCHIVED
    assert faq.versions.count() == 1  # workflow steps are not content versions
    assert audit_trail.actions() == [
        "knowledge.faq.created",
        "knowledge.faq.submitted",
        "knowledge.faq.approved",
        "knowledge.faq.published",
        "knowledge.faq.archived",
    ]


def test_rejection_needs_a_reason_and_returns_to_draft(center, editor, city) -> None:
    faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    services.faq_submit(actor=editor, faq=faq)
    with pytest.raises(KnowledgeError) as exc:
        services.faq_reject(actor=city, faq=faq, comment=" ")
    assert exc.value.field == "comment"
    approval = services.faq_reject(actor=city, faq=faq, comment="料金が古い")
    faq.refresh_from_db()
    assert faq.status == FaqStatus.DRAFT
    assert approval.decision == ApprovalDecision.REJECTED
    assert "料金が古い" in approval.comment
    with pytest.raises(KnowledgeError):
        services.faq_publish(actor=editor, faq=faq)


def test_delete_only_unpublished_drafts(center, editor, audit_trail) -> None:
    faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    published = PublishedFaqFactory.create(center=center)
    with pytest.raises(KnowledgeError, match="アーカイブ"):
        services.faq_delete(actor=editor, faq=published)
    services.faq_delete(actor=editor, faq=faq)
    assert list(Faq.objects.all()) == [published]
    assert audit_trail.actions()[-1] == "knowledge.faq.deleted"


def test_mark_reviewed_moves_the_due_date_a_year(center, editor) -> None:
    faq = services.faq_create(
        actor=editor, center=center, code="A-1", content=_content(review_due=date(2020, 1, 1))
    )
    assert faq.review_due == date(2020, 1, 1)
    faq = services.faq_mark_reviewed(actor=editor, faq=faq)
    assert faq.review_due == timezone.localdate() + timedelta(days=365)
    assert faq.reviewed_at is not None


def test_attachments_check_type_and_size_and_are_versioned(
    center, editor, settings, tmp_path
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    with pytest.raises(KnowledgeError) as exc:
        services.faq_attachment_add(
            actor=editor, faq=faq, upload=SimpleUploadedFile("x.exe", b"MZ...")
        )
    assert exc.value.field == "attachment"
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(KnowledgeError, match="10MB"):
        services.faq_attachment_add(actor=editor, faq=faq, upload=big)
    attachment = services.faq_attachment_add(
        actor=editor,
        faq=faq,
        upload=SimpleUploadedFile("申請書.pdf", b"%PDF-1.7 test"),
        title="申請書",
    )
    assert attachment.content_type == "application/pdf"
    assert attachment.size == 13
    assert (tmp_path / attachment.file.name).read_bytes() == b"%PDF-1.7 test"
    faq.refresh_from_db()
    assert faq.version == 2
    assert faq.versions.order_by("-number")[0].snapshot["attachments"][0]["title"] == "申請書"


def test_synonyms_are_added_merged_and_removed(center, editor, audit_trail) -> None:
    operator = _user(center, Role.OPERATOR)
    synonym = services.synonym_add(
        actor=operator, center=center, term="国保", alternatives=["国民健康保険", "国保"]
    )
    assert synonym.alternatives == ["国民健康保険"]
    synonym = services.synonym_add(actor=editor, center=center, term="国保", alternatives=["ｺｸﾎ"])
    assert synonym.alternatives == ["国民健康保険", "コクホ"]
    services.synonym_remove(actor=editor, synonym=synonym)
    assert not Synonym.objects.get().is_active
    with pytest.raises(KnowledgeError, match="権限"):
        services.synonym_add(
            actor=_user(center, Role.CITY_STAFF), center=center, term="a", alternatives=["b"]
        )
    assert audit_trail.actions() == [
        "knowledge.synonym.added",
        "knowledge.synonym.added",
        "knowledge.synonym.removed",
    ]


def test_faq_mark_used_records_once_and_appends_to_the_interaction(center, audit_trail) -> None:
    operator = _user(center, Role.OPERATOR)
    faq = PublishedFaqFactory.create(center=center, code="GOMI-1")
    interaction = InteractionFactory.create(center=center)
    use = services.faq_mark_used(actor=operator, interaction=interaction, faq=faq)
    again = services.faq_mark_used(actor=operator, interaction=interaction, faq=faq)
    assert again.pk == use.pk
    assert FaqUse.objects.count() == 1
    interaction.refresh_from_db()
    assert interaction.faq_ids == ["GOMI-1"]
    events = list(interaction.events.filter(type=InteractionEventType.FAQ_USED))
    assert [e.data for e in events] == [{"faq_ids": ["GOMI-1"]}]
    assert audit_trail.actions() == ["knowledge.faq.used"]
    other = PublishedFaqFactory.create()
    with pytest.raises(KnowledgeError, match="別のセンター"):
        services.faq_mark_used(actor=operator, interaction=interaction, faq=other)
    with pytest.raises(KnowledgeError, match="権限"):
        services.faq_mark_used(
            actor=_user(center, Role.FAQ_EDITOR), interaction=interaction, faq=faq
        )


def test_search_log_masks_digits_and_counts_per_week(center) -> None:
    monday = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # Mon 2 Mar 00:30 in Tokyo
    for at in (monday, monday + timedelta(days=2)):
        services.search_log_record(
            center=center,
            language="ja",
            channel=SearchChannel.PUBLIC,
            query="電話　090-1234-5678 の件",
            strict_hit=False,
            had_results=True,
            at=at,
        )
    services.search_log_record(
        center=center,
        language="ja",
        channel=SearchChannel.PUBLIC,
        query="電話 090-1234-5678 の件",
        strict_hit=True,
        had_results=True,
        at=monday + timedelta(days=7),
    )
    rows = list(SearchLog.objects.order_by("week_start"))
    assert [(r.week_start, r.query, r.count, r.strict_hit) for r in rows] == [
        (date(2026, 3, 2), "電話 ###-####-#### の件", 2, False),
        (date(2026, 3, 9), "電話 ###-####-#### の件", 1, True),
    ]
    assert (
        services.search_log_record(
            center=center,
            language="ja",
            channel="public",
            query="  ",
            strict_hit=False,
            had_results=False,
        )
        is None
    )


def test_terms_are_stored_with_the_text(center, editor) -> None:
    faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    text = FaqText.objects.get(faq=faq)
    assert text.terms is not None
    assert text.embedding is None
    assert PublishedFaqFactory.create().status == FaqStatus.PUBLISHED


def test_reindex_command_refreshes_stale_terms_and_queues_embeddings(
    center, editor, capsys
) -> None:
    from django.core.management import call_command

    faq = services.faq_create(actor=editor, center=center, code="A-1", content=_content())
    FaqText.objects.filter(faq=faq).update(terms={"v": -1})
    call_command("faq_reindex", "--center", center.slug, "--embeddings")
    assert "索引語を再計算: 1 件、埋め込みの計算を依頼: 1 件" in capsys.readouterr().out
    text = FaqText.objects.get(faq=faq)
    assert text.terms["v"] != -1
    assert "粗大" in " ".join(text.terms["question"])
    assert DBTaskResult.objects.filter(task_path__endswith="faq_text_embed_task").count() == 1


def test_faq_uses_sync_counts_the_recorded_faq_ids_once(center) -> None:
    operator = _user(center, Role.OPERATOR)
    PublishedFaqFactory.create(center=center, code="S-1")
    PublishedFaqFactory.create(center=center, code="S-2", status=FaqStatus.DRAFT)
    interaction = InteractionFactory.create(center=center, faq_ids=["S-1", "S-2", "NOPE"])
    made = services.faq_uses_sync(actor=operator, interaction=interaction)
    assert [use.faq.code for use in made] == ["S-1"]  # drafts and unknown IDs are not uses
    assert services.faq_uses_sync(actor=operator, interaction=interaction) == []
    assert FaqUse.objects.filter(interaction=interaction).count() == 1
