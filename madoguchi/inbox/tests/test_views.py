"""The inbox pages through Django's test client: public form and survey, console screens."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, user_create
from madoguchi.inbox import services
from madoguchi.inbox.models import InboxMessage, InboxStatus, Reply, ReplyTemplate, SurveyResponse
from madoguchi.interactions.models import Interaction
from madoguchi.tenancy.calendars import TOKYO

FORM = {
    "name": "田中 太郎",
    "email": "taro@example.jp",
    "phone": "",
    "reply_channel": "email",
    "subject": "児童手当",
    "body": "申請に必要な書類を教えてください。",
}


def form_url(language: str = "ja") -> str:
    prefix = "" if language == "ja" else f"/{language}"
    return f"{prefix}/inquiry/iwaki/"


def test_the_form_is_shown_in_each_language(iwaki, client):
    titles = {
        "ja": "お問い合わせ",
        "en": "Contact us",
        "zh-hans": "咨询",
        "ko": "문의",
    }
    for language, title in titles.items():
        response = client.get(form_url(language))
        assert response.status_code == 200
        assert f"<h1>{title}</h1>" in response.content.decode()


def test_a_submission_redirects_to_thanks_with_the_reference(iwaki, client):
    response = client.post(form_url(), FORM, follow=True)

    message = InboxMessage.objects.get()
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<dd class="number">{message.pk}</dd>' in page
    assert message.reply_due_on.isoformat() in page
    assert message.channel == "web_form" and message.sender_email == "taro@example.jp"
    assert Interaction.objects.filter(inbox_messages=message, channel="web_form").exists()


def test_a_refused_my_number_keeps_the_rest_in_english(iwaki, client):
    data = {**FORM, "body": "My number is 1234-5678-9018, please check."}

    response = client.post(form_url("en"), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "looks like a My Number" in page
    assert 'value="taro@example.jp"' in page
    assert 'value="田中 太郎"' in page
    assert 'value="児童手当"' in page
    assert "1234-5678-9018" in page  # the body is kept too, for the citizen to edit
    assert 'aria-invalid="true"' in page
    assert InboxMessage.objects.count() == 0


def test_a_bad_attachment_is_refused_with_its_name(iwaki, client):
    upload = SimpleUploadedFile("setup.exe", b"MZ\x90\x00" * 10, "application/pdf")

    response = client.post(form_url(), {**FORM, "attachments": [upload]})

    assert response.status_code == 400
    assert "ファイル「setup.exe」は添付できません" in response.content.decode()
    assert 'value="taro@example.jp"' in response.content.decode()


def test_a_pdf_attachment_is_kept(iwaki, client):
    upload = SimpleUploadedFile("map.pdf", b"%PDF-1.4 test", "application/pdf")

    client.post(form_url(), {**FORM, "attachments": [upload]})

    attachment = InboxMessage.objects.get().attachments.get()
    assert (attachment.filename, attachment.content_type) == ("map.pdf", "application/pdf")
    attachment.file.delete(save=False)


def test_the_form_is_rate_limited_per_address(iwaki, client):
    statuses = [
        client.post(form_url(), FORM, REMOTE_ADDR="198.51.100.7").status_code for _ in range(6)
    ]

    assert statuses == [302] * 5 + [429]
    assert InboxMessage.objects.count() == 5


def test_csrf_is_enforced(iwaki):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(form_url(), FORM)

    assert response.status_code == 403
    assert InboxMessage.objects.count() == 0


def test_unknown_center_and_bad_thanks_link_are_404(iwaki, client):
    assert client.get("/inquiry/no-such-center/").status_code == 404
    assert client.get("/inquiry/iwaki/thanks/forged/").status_code == 404


def test_survey_by_signed_link_and_per_center(iwaki, client):
    message = services.inquiry_submit(
        center=iwaki,
        name="",
        email="",
        phone="",
        reply_channel="none",
        subject="",
        body="ご意見です。",
        language="ja",
    )
    url = reverse("inbox_public:survey", kwargs={"token": services.survey_token(message=message)})

    assert client.post(url, {"score": "9"}).status_code == 400
    response = client.post(url, {"score": "4", "comment": "早い回答でした"})
    assert response.status_code == 200
    assert "ご回答ありがとうございました" in response.content.decode()
    client.post("/en/inquiry/iwaki/survey/", {"score": "5"})
    assert client.get("/inquiry/survey/forged-token/").status_code == 404

    answers = {(s.message_id, s.score, s.language) for s in SurveyResponse.objects.all()}
    assert answers == {(message.pk, 4, "ja"), (None, 5, "en")}


def test_delay_notice_renders(iwaki):
    from django.template.loader import render_to_string
    from django.utils import translation

    from madoguchi.inbox.models import InboxSettings
    from madoguchi.inbox.selectors import delay_notices

    InboxSettings.objects.create(center=iwaki, delay_notice=True, delay_days=2)
    with translation.override("en"):
        html = render_to_string("inbox/public/_delay_notice.html", {"notices": delay_notices()})

    assert "Replies to e-mail and web inquiries are delayed" in html
    assert "replies currently take about 2 business days" in html
    assert render_to_string("inbox/public/_delay_notice.html", {"notices": []}).strip() == ""


# --- Console --------------------------------------------------------------------------

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_user(db):
    def make(username: str, role: Role, center):
        user = user_create(actor=None, username=username, password=PASSWORD)
        membership_grant(actor=None, user=user, center=center, role=role)
        return user

    return make


@pytest.fixture
def operator_client(client, iwaki, make_user):
    client.force_login(make_user("op1", Role.OPERATOR, iwaki))
    return client


@pytest.fixture
def received(iwaki):
    return services.inquiry_submit(
        center=iwaki,
        name="鈴木 花子",
        email="hanako@example.jp",
        phone="090-1234-5678",
        reply_channel="phone",
        subject="住民税",
        body="納付書をなくしました。",
        language="ja",
        received_at=datetime(2026, 11, 20, 10, 0, tzinfo=TOKYO),
    )


def test_inbox_list_filters(operator_client, received, iwaki, django_assert_max_num_queries):
    services.overdue_flag(now=datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO))

    with django_assert_max_num_queries(15):
        page = operator_client.get("/console/inbox/").content.decode()
    overdue = operator_client.get("/console/inbox/?status=open&overdue=yes").content.decode()
    fax_only = operator_client.get("/console/inbox/?status=&channel=fax").content.decode()

    assert "住民税" in page and "期限超過" in page
    assert "住民税" in overdue
    assert "住民税" not in fax_only
    assert 'href="/console/inbox/"' in page  # the nav entry is live


def test_detail_is_audited_and_a_phone_reply_is_recorded(operator_client, received, audit_trail):
    page = operator_client.get(f"/console/inbox/{received.pk}/").content.decode()
    assert "hanako@example.jp" in page
    assert "inbox.message.viewed" in audit_trail.actions()
    # The citizen asked for a call back: the form proposes a phone reply.
    assert '<option value="phone" selected>' in page

    response = operator_client.post(
        f"/console/inbox/{received.pk}/reply/",
        {"channel": "phone", "body": "お電話で再発行の方法をご案内しました。"},
    )

    assert response.status_code == 302
    reply = Reply.objects.get()
    assert (reply.channel, reply.manual) == ("phone", True)
    received.refresh_from_db()
    assert received.status == InboxStatus.REPLIED


def test_a_refused_reply_keeps_the_text(operator_client, received):
    response = operator_client.post(
        f"/console/inbox/{received.pk}/reply/",
        {"channel": "phone", "body": "カード 4111 1111 1111 1111 の件"},
    )

    assert response.status_code == 400
    assert "カード 4111 1111 1111 1111 の件" in response.content.decode()
    assert Reply.objects.count() == 0


def test_assign_and_close(operator_client, received):
    from madoguchi.accounts.models import User

    op = User.objects.get(username="op1")
    operator_client.post(f"/console/inbox/{received.pk}/assign/", {"assignee": op.pk})
    received.refresh_from_db()
    assert (received.status, received.assigned_to) == (InboxStatus.ASSIGNED, op)

    operator_client.post(f"/console/inbox/{received.pk}/close/")
    received.refresh_from_db()
    assert received.status == InboxStatus.CLOSED


def test_other_centers_messages_are_not_found(operator_client, load_scenarios):
    oita = load_scenarios("oita")["oita"]
    other = services.inquiry_submit(
        center=oita,
        name="",
        email="",
        phone="",
        reply_channel="none",
        subject="",
        body="大分の問合せ",
        language="ja",
    )

    assert operator_client.get(f"/console/inbox/{other.pk}/").status_code == 404


def test_templates_need_the_template_permission(operator_client, client, iwaki, make_user):
    assert operator_client.get("/console/inbox/templates/").status_code == 403
    client.force_login(make_user("sv1", Role.SUPERVISOR, iwaki))

    response = client.post(
        "/console/inbox/templates/",
        {
            "name": "受付のお礼",
            "body": "{name} 様\nお問い合わせありがとうございます。",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    clash = client.post("/console/inbox/templates/", {"name": "受付のお礼", "body": "x"})
    assert clash.status_code == 400
    assert "既にあります" in clash.content.decode()
    assert ReplyTemplate.objects.count() == 1


def test_a_template_fills_the_reply(operator_client, received, iwaki):
    template = services.template_save(
        actor=None, center=iwaki, name="定型", body="{name} 様 「{subject}」について"
    )

    page = operator_client.get(
        f"/console/inbox/{received.pk}/?template={template.pk}"
    ).content.decode()

    assert "鈴木 花子 様 「住民税」について" in page


def test_city_staff_cannot_open_the_inbox(client, iwaki, make_user, received):
    client.force_login(make_user("city1", Role.CITY_STAFF, iwaki))

    assert client.get("/console/inbox/").status_code == 403
    assert client.get(f"/console/inbox/{received.pk}/").status_code == 403


def test_attachment_download_is_audited_and_scoped(operator_client, iwaki, audit_trail):
    message = services.inquiry_submit(
        center=iwaki,
        name="",
        email="a@example.jp",
        phone="",
        reply_channel="email",
        subject="",
        body="地図を添付します。",
        language="ja",
        uploads=[services.Upload("地図.pdf", b"%PDF-1.4 map")],
    )
    attachment = message.attachments.get()
    url = f"/console/inbox/{message.pk}/attachments/{attachment.pk}/"

    response = operator_client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 map"
    assert "attachment" in response["Content-Disposition"]
    viewed = [e for e in audit_trail.events() if e.action == "inbox.message.viewed"]
    assert viewed[-1].data == {"attachment_id": attachment.pk}
    assert (
        operator_client.get(
            f"/console/inbox/{message.pk + 1}/attachments/{attachment.pk}/"
        ).status_code
        == 404
    )
    attachment.file.delete(save=False)


def test_a_survey_link_for_a_phone_contact(iwaki, client):
    interaction = Interaction.objects.create(
        center=iwaki,
        channel="phone",
        kind="inquiry",
        summary="電話の問合せ",
        outcome="completed",
        started_at=datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO),
        ended_at=datetime(2026, 11, 26, 9, 5, tzinfo=TOKYO),
    )
    token = services.survey_token_for_interaction(interaction=interaction)

    response = client.post(f"/ko/inquiry/survey/{token}/", {"score": "3"})

    assert response.status_code == 200
    answer = SurveyResponse.objects.get()
    assert (answer.interaction_id, answer.message_id, answer.language) == (
        interaction.pk,
        None,
        "ko",
    )


def test_supervisor_sets_the_cut_off_and_the_delay_notice(client, iwaki, make_user, audit_trail):
    from madoguchi.inbox.models import InboxSettings

    client.force_login(make_user("sv2", Role.SUPERVISOR, iwaki))
    bad = client.post(
        "/console/inbox/settings/",
        {"reply_cutoff": "16:30", "delay_days": "31", "overdue_notice_threshold": "5"},
    )
    assert bad.status_code == 400
    assert 'value="16:30"' in bad.content.decode()  # what was typed is kept

    response = client.post(
        "/console/inbox/settings/",
        {
            "reply_cutoff": "16:30",
            "delay_notice": "on",
            "delay_days": "3",
            "overdue_notice_threshold": "5",
        },
    )

    assert response.status_code == 302
    saved = InboxSettings.objects.get(center=iwaki)
    assert (saved.reply_cutoff.hour, saved.reply_cutoff.minute, saved.delay_notice) == (
        16,
        30,
        True,
    )
    assert "inbox.settings.saved" in audit_trail.actions()
    received = services.inquiry_submit(
        center=iwaki,
        name="",
        email="",
        phone="",
        reply_channel="none",
        subject="",
        body="締切の確認",
        language="ja",
        received_at=datetime(2026, 11, 26, 16, 0, tzinfo=TOKYO),
    )
    assert received.reply_due_on.isoformat() == "2026-11-26"
