"""Inbox rules: reply due dates, the public form's refusals, overdue flags, the survey."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from madoguchi.inbox import services
from madoguchi.inbox.errors import InboxError
from madoguchi.inbox.models import (
    InboxMessage,
    InboxSettings,
    InboxStatus,
    Reply,
    ReplyTemplate,
    SurveyResponse,
)
from madoguchi.inbox.selectors import delay_notices, message_list, survey_summary
from madoguchi.interactions.models import Interaction
from madoguchi.tenancy.calendars import TOKYO
from madoguchi.tenancy.models import RetentionKind, RetentionPeriod


def tokyo(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


# --- Reply due dates (oita: weekdays only; iwaki: every day but Dec 29 – Jan 3) -------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (tokyo(2026, 11, 26, 9, 0), date(2026, 11, 26)),  # Thu before the cut-off
        (tokyo(2026, 11, 26, 15, 0), date(2026, 11, 27)),  # at the cut-off: next day
        (tokyo(2026, 11, 27, 14, 59), date(2026, 11, 27)),  # Fri before the cut-off
        (tokyo(2026, 11, 27, 18, 0), date(2026, 11, 30)),  # Fri evening → Monday
        (tokyo(2026, 11, 28, 10, 0), date(2026, 11, 30)),  # Saturday → Monday
        (tokyo(2026, 11, 29, 23, 59), date(2026, 11, 30)),  # Sunday → Monday
        (tokyo(2026, 11, 20, 16, 0), date(2026, 11, 24)),  # Fri; Mon 11/23 is a holiday
        (tokyo(2026, 12, 28, 16, 0), date(2027, 1, 4)),  # last day before the closure
        (tokyo(2026, 12, 30, 10, 0), date(2027, 1, 4)),  # inside Dec 29 – Jan 3
        (tokyo(2027, 1, 3, 10, 0), date(2027, 1, 4)),
        (tokyo(2027, 1, 4, 10, 0), date(2027, 1, 4)),  # first business day, morning
    ],
)
def test_reply_due_date_on_a_weekday_calendar(load_scenarios, received, due):
    oita = load_scenarios("oita")["oita"]

    assert services.reply_due_date(center=oita, received_at=received) == due


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (tokyo(2026, 11, 28, 10, 0), date(2026, 11, 28)),  # iwaki opens on Saturdays
        (tokyo(2026, 11, 28, 16, 0), date(2026, 11, 29)),  # … and Sundays
        (tokyo(2026, 12, 28, 16, 0), date(2027, 1, 4)),
        (tokyo(2026, 12, 29, 9, 0), date(2027, 1, 4)),
        (tokyo(2027, 1, 2, 9, 0), date(2027, 1, 4)),
    ],
)
def test_reply_due_date_on_a_seven_day_calendar(iwaki, received, due):
    assert services.reply_due_date(center=iwaki, received_at=received) == due


def test_the_cut_off_is_a_center_setting(load_scenarios):
    oita = load_scenarios("oita")["oita"]
    InboxSettings.objects.create(center=oita, reply_cutoff=time(12, 0))

    assert services.reply_due_date(center=oita, received_at=tokyo(2026, 11, 26, 11, 59)) == date(
        2026, 11, 26
    )
    assert services.reply_due_date(center=oita, received_at=tokyo(2026, 11, 26, 12, 0)) == date(
        2026, 11, 27
    )


def test_a_naive_time_is_refused(iwaki):
    with pytest.raises(InboxError):
        services.reply_due_date(center=iwaki, received_at=datetime(2026, 11, 26, 9, 0))  # noqa: DTZ001


# --- The public form's service --------------------------------------------------------


def submit(center, **overrides):
    values = {
        "center": center,
        "name": "佐藤 一郎",
        "email": "ichiro@example.jp",
        "phone": "",
        "reply_channel": "email",
        "subject": "ごみ収集",
        "body": "収集日を教えてください。",
        "language": "ja",
    }
    values.update(overrides)
    return services.inquiry_submit(**values)


def test_submission_creates_message_interaction_and_audit(iwaki, audit_trail):
    message = submit(iwaki, received_at=tokyo(2026, 11, 26, 9, 0))

    assert message.status == InboxStatus.NEW
    assert message.reply_due_on == date(2026, 11, 26)
    interaction = Interaction.objects.get(pk=message.interaction_id)
    assert (interaction.channel, interaction.kind) == ("web_form", "inquiry")
    assert interaction.summary == "ごみ収集\n収集日を教えてください。"
    assert "inbox.message.received" in audit_trail.actions()
    received = next(e for e in audit_trail.events() if e.action == "inbox.message.received")
    assert "ichiro@example.jp" not in str(received.data)


@pytest.mark.parametrize(
    ("field", "text", "code"),
    [
        ("body", "番号は１２３４５６７８９０１８です", "マイナンバー"),
        ("subject", "カード 4111 1111 1111 1111", "クレジットカード"),
        ("name", "123456789018", "マイナンバー"),
    ],
)
def test_my_number_and_card_numbers_are_refused(iwaki, field, text, code):
    with pytest.raises(InboxError) as refused:
        submit(iwaki, **{field: text})

    assert refused.value.field == field
    assert code in str(refused.value.message)
    assert InboxMessage.objects.count() == 0
    assert Interaction.objects.count() == 0


def test_an_invalid_check_digit_is_not_a_my_number(iwaki):
    message = submit(iwaki, body="受付番号 123456789012 の件です")  # check digit fails

    assert "123456789012" in message.body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reply_channel": "email", "email": ""}, "email"),
        ({"reply_channel": "phone", "phone": ""}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"body": "   "}, "body"),
        ({"reply_channel": "carrier-pigeon"}, "reply_channel"),
        ({"phone": "abc", "reply_channel": "phone"}, "phone"),
    ],
)
def test_missing_contact_details_name_their_field(iwaki, overrides, field):
    with pytest.raises(InboxError) as refused:
        submit(iwaki, **overrides)

    assert refused.value.field == field


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachments_are_checked_by_content_and_size(iwaki):
    with pytest.raises(InboxError, match="添付できません"):
        submit(iwaki, uploads=[services.Upload("virus.pdf", b"MZ\x90\x00 not a pdf")])
    with pytest.raises(InboxError, match="大きすぎます"):
        submit(iwaki, uploads=[services.Upload("big.png", PNG + b"\x00" * (5 * 1024 * 1024))])
    with pytest.raises(InboxError, match="3件まで"):
        submit(iwaki, uploads=[services.Upload(f"{n}.png", PNG) for n in range(4)])

    message = submit(iwaki, uploads=[services.Upload("map.png", PNG)])

    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "map.png",
        "image/png",
        len(PNG),
    )
    attachment.file.delete(save=False)


def test_the_rate_limit_counts_per_client(db):
    now = tokyo(2026, 11, 26, 9, 1)
    hits = [services.inquiry_throttle_hit(client_ip="192.0.2.1", now=now) for _ in range(6)]
    other = services.inquiry_throttle_hit(client_ip="192.0.2.2", now=now)
    later = services.inquiry_throttle_hit(client_ip="192.0.2.1", now=now + timedelta(minutes=10))

    assert hits == [False] * 5 + [True]
    assert other is False
    assert later is False


# --- Handling -------------------------------------------------------------------------


def test_overdue_flags_and_the_list_filter(iwaki, audit_trail):
    late = submit(iwaki, received_at=tokyo(2026, 11, 24, 9, 0))  # due 11/24
    on_time = submit(iwaki, received_at=tokyo(2026, 11, 26, 9, 0))  # due 11/26
    answered = submit(iwaki, received_at=tokyo(2026, 11, 23, 9, 0))
    services.reply_send(actor=None, message=answered, body="回答", channel="phone")

    flagged = services.overdue_flag(now=tokyo(2026, 11, 26, 8, 0))

    assert flagged == 1
    assert list(message_list(center=iwaki, overdue=True)) == [late]
    assert on_time in message_list(center=iwaki, status="open", overdue=False)
    assert "inbox.message.overdue_flagged" in audit_trail.actions()
    assert services.overdue_flag(now=tokyo(2026, 11, 26, 8, 0)) == 0  # already flagged


def test_delay_notice_from_the_setting_or_the_overdue_count(all_scenarios):
    iwaki, oita = all_scenarios["iwaki"], all_scenarios["oita"]
    assert delay_notices() == []
    InboxSettings.objects.create(center=iwaki, delay_notice=True, delay_days=3)
    InboxSettings.objects.create(center=oita, overdue_notice_threshold=2)
    for day in (16, 17):
        submit(oita, received_at=tokyo(2026, 11, day, 9, 0))
    services.overdue_flag(now=tokyo(2026, 11, 26, 9, 0))

    notices = {n.center.slug: n for n in delay_notices()}

    assert set(notices) == {"iwaki", "oita"}
    assert notices["iwaki"].days == 3
    assert notices["oita"].overdue == 2


def test_manual_phone_reply_and_close(iwaki, django_user_model):
    staff = django_user_model.objects.create_user("operator1", password="x" * 12)
    message = submit(iwaki, reply_channel="phone", phone="0246-22-1111", email="")
    services.message_assign(actor=staff, message=message, assignee=staff)

    reply = services.reply_send(actor=staff, message=message, body="お電話で回答しました。")

    assert (reply.channel, reply.manual, reply.by) == ("phone", True, staff)
    message.refresh_from_db()
    assert message.status == InboxStatus.REPLIED
    with pytest.raises(InboxError):
        services.message_assign(actor=staff, message=message, assignee=staff)
    services.message_close(actor=staff, message=message)
    message.refresh_from_db()
    assert message.status == InboxStatus.CLOSED


def test_the_interaction_is_pending_until_the_reply_completes_it(iwaki):
    from madoguchi.interactions.models import COMPLETED_OUTCOMES, Outcome

    message = submit(iwaki, reply_channel="phone", phone="0246-22-1111", email="")
    interaction = message.interaction
    assert (interaction.outcome, interaction.answer) == (Outcome.PENDING, "")
    assert interaction.outcome not in COMPLETED_OUTCOMES  # not first-contact completion

    services.reply_send(actor=None, message=message, body="お電話で手続きを案内しました。")

    interaction.refresh_from_db()
    assert (interaction.outcome, interaction.answer) == (
        Outcome.COMPLETED,
        "お電話で手続きを案内しました。",
    )


def test_a_reply_refuses_my_number_and_writes_nothing(iwaki):
    message = submit(iwaki)

    with pytest.raises(InboxError) as refused:
        services.reply_send(actor=None, message=message, body="番号 123456789018", channel="phone")

    assert refused.value.field == "body"
    assert Reply.objects.count() == 0


def test_templates_fill_placeholders_and_names_are_unique(iwaki):
    template = services.template_save(
        actor=None, center=iwaki, name="受付", body="{name} 様\n「{subject}」の件。{unknown}"
    )
    message = submit(iwaki)

    text = services.render_template(template=template, message=message)

    assert text == "佐藤 一郎 様\n「ごみ収集」の件。{unknown}"
    with pytest.raises(InboxError) as clash:
        services.template_save(actor=None, center=iwaki, name="受付", body="別")
    assert clash.value.field == "name"
    assert ReplyTemplate.objects.count() == 1


def test_survey_per_contact_replaces_and_per_center_adds(iwaki):
    message = submit(iwaki)
    token = services.survey_token(message=message)
    target = services.survey_target(token=token)

    services.survey_submit(target=target, score=2, comment="", language="ja")
    services.survey_submit(target=target, score=5, comment="丁寧でした", language="en")
    services.survey_submit(
        target=services.SurveyTarget(center=iwaki), score=4, comment="", language="ja"
    )

    per_message = SurveyResponse.objects.get(message=message)
    assert (per_message.score, per_message.comment, per_message.language) == (5, "丁寧でした", "en")
    assert per_message.interaction_id == message.interaction_id
    assert survey_summary(center=iwaki) == {
        "count": 2,
        "mean": 4.5,
        "per_score": {1: 0, 2: 0, 3: 0, 4: 1, 5: 1},
    }
    with pytest.raises(InboxError):
        services.survey_submit(target=target, score=6, comment="", language="ja")
    with pytest.raises(InboxError):
        services.survey_target(token=token + "x")


def test_personal_data_expires_with_the_center_retention(iwaki):
    RetentionPeriod.objects.update_or_create(
        center=iwaki, kind=RetentionKind.INBOX, defaults={"days": 30}
    )
    old = submit(iwaki, received_at=timezone.now() - timedelta(days=31))
    recent = submit(iwaki)

    assert services.personal_data_expire() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.sender_name, old.sender_email, old.body) == ("", "", "")
    assert old.personal_data_expired_at is not None
    assert recent.sender_email == "ichiro@example.jp"


def test_mailbox_setup_command_creates_then_updates(iwaki, audit_trail):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from madoguchi.inbox.models import Mailbox

    args = ["--center", "iwaki", "--name", "FAX", "--purpose", "fax", "--host", "imap.example.jp"]
    call_command(
        "inbox_mailbox", *args, "--user", "fax", "--password-env", "FAX_PW", stdout=io.StringIO()
    )
    call_command(
        "inbox_mailbox",
        *args,
        "--user",
        "fax2",
        "--password-env",
        "FAX_PW",
        "--security",
        "starttls",
        stdout=io.StringIO(),
    )

    mailbox = Mailbox.objects.get()
    assert (mailbox.purpose, mailbox.username, mailbox.port, mailbox.security) == (
        "fax",
        "fax2",
        143,
        "starttls",
    )
    assert audit_trail.actions().count("inbox.mailbox.saved") == 2
    with pytest.raises(CommandError, match="環境変数名"):
        call_command(
            "inbox_mailbox", *args, "--user", "x", "--password-env", "secret!", stdout=io.StringIO()
        )


def test_inbox_fetch_can_be_handed_to_the_worker(iwaki):
    import io

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    out = io.StringIO()
    call_command("inbox_fetch", "--enqueue", stdout=out)

    task = DBTaskResult.objects.get()
    assert task.task_path == "madoguchi.inbox.tasks.inbox_fetch_task"
    assert "ワーカーに依頼しました" in out.getvalue()


def test_a_repeating_fetch_schedules_its_next_run(iwaki):
    import io
    from datetime import timedelta

    from django.core.management import CommandError, call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from madoguchi.inbox.tasks import inbox_fetch_task

    call_command("inbox_fetch", "--enqueue", "--every", "300", stdout=io.StringIO())
    first = DBTaskResult.objects.get()
    assert first.args_kwargs["kwargs"] == {"center_slug": "", "every_s": 300}

    before = timezone.now()
    report = inbox_fetch_task.call(every_s=300)  # what the worker runs (no mailboxes here)
    assert report["mailboxes"] == [] and report["errors"] == []
    following = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert following.args_kwargs["kwargs"] == {"center_slug": "", "every_s": 300}
    assert before + timedelta(seconds=299) <= following.run_after
    assert following.run_after <= timezone.now() + timedelta(seconds=301)

    with pytest.raises(CommandError):
        call_command("inbox_fetch", "--every", "300", stdout=io.StringIO())
