"""Console screens through the test client: permissions, forms that keep input, audit."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from madoguchi.accounts.models import Role
from madoguchi.accounts.services import membership_grant, totp_device_start, user_create
from madoguchi.audit.models import AuditEvent
from madoguchi.tenancy.models import CalendarException, Department, InboundNumber

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_user(db):
    def make(username: str, role: Role, *centers):
        user = user_create(actor=None, username=username, password=PASSWORD)
        for center in centers or [None]:
            membership_grant(actor=None, user=user, center=center, role=role)
        return user

    return make


@pytest.fixture
def manager(all_scenarios, make_user):
    return make_user("kanri", Role.MANAGER, all_scenarios["iwaki"])


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _login(client, username, password, **extra):
    return client.post(
        reverse("console:login"),
        {"username": username, "password": password, **extra},
        REMOTE_ADDR="192.0.2.20",
    )


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/console/center/")
    assert response.status_code == 302
    assert response["Location"] == "/console/login/?next=/console/center/"


def test_login_with_password_lands_on_home_of_own_center(client, all_scenarios, make_user):
    make_user("sato", Role.OPERATOR, all_scenarios["oita"])
    response = _login(client, "sato", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    home = client.get("/console/").content.decode()
    assert "大分市マイナンバーカードコールセンター" in home
    assert "097-510-5151" in home
    assert AuditEvent.objects.filter(action="accounts.session.logged_in").count() == 1


def test_wrong_password_keeps_login_id_and_does_not_say_which_was_wrong(client, manager):
    response = _login(client, "kanri", "wrong-password")
    body = response.content.decode()
    assert response.status_code == 400
    assert "ログインIDまたはパスワードが正しくありません。" in body
    assert 'value="kanri"' in body
    assert "_auth_user_id" not in client.session


def test_login_refuses_an_outside_next_url(client, manager):
    response = client.post(
        "/console/login/?next=https://evil.example/",
        {"username": "kanri", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.20",
    )
    assert response["Location"] == "/console/"


def test_lockout_after_five_failures_even_with_the_right_password(client, manager):
    for _ in range(5):
        _login(client, "kanri", "nope-nope-nope")
    response = _login(client, "kanri", PASSWORD)
    assert response.status_code in {403, 429}
    assert "ログインを一時的に停止しました" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.session.locked_out").exists()


def test_totp_is_required_once_set_up(client, manager):
    device = totp_device_start(user=manager)
    device.confirmed = True
    device.save()
    missing = _login(client, "kanri", PASSWORD)
    assert "確認コードを入力してください。" in missing.content.decode()
    wrong = _login(client, "kanri", PASSWORD, otp_token="000000")
    assert "確認コードが正しくありません。" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    token = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    # django-otp throttles after a wrong code: an immediate retry is told to wait.
    throttled = _login(client, "kanri", PASSWORD, otp_token=f"{token:06d}")
    assert "少し待ってから入力してください。" in throttled.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    ok = _login(client, "kanri", PASSWORD, otp_token=f"{token:06d}")
    assert ok.status_code == 302
    assert client.session["otp_device_id"] == device.persistent_id


def test_two_factor_setup_shows_qr_and_confirms_with_a_code(manager_client, manager):
    page = manager_client.post("/console/account/two-factor/", {"start": "1"}).content.decode()
    assert "<svg" in page
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page)
    assert secret is not None and len(secret.group(1)) == 32
    wrong = manager_client.post("/console/account/two-factor/", {"token": "123456x"})
    assert wrong.status_code == 400
    device = manager.totpdevice_set.get()
    assert device.confirmed is False
    token = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    done = manager_client.post("/console/account/two-factor/", {"token": f"{token:06d}"})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True


def test_center_switcher_offers_only_own_centers(client, all_scenarios, make_user):
    operator = make_user("sato", Role.OPERATOR, all_scenarios["iwaki"], all_scenarios["oita"])
    client.force_login(operator)
    home = client.get("/console/").content.decode()
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', home)
    assert options == ["いわき市総合コールセンター", "大分市マイナンバーカードコールセンター"]
    client.post("/console/center/switch/", {"center": all_scenarios["oita"].pk})
    assert "097-510-5151" in client.get("/console/").content.decode()
    refused = client.post("/console/center/switch/", {"center": all_scenarios["niigata"].pk})
    assert refused.status_code == 302
    after = client.get("/console/").content.decode()
    assert "そのセンターを選ぶ権限がありません。" in after
    assert "新潟市" not in after
    assert AuditEvent.objects.filter(action="accounts.session.center_switched").count() == 1


def test_center_page_shows_only_the_current_centers_data(client, all_scenarios, make_user):
    client.force_login(make_user("sato", Role.OPERATOR, all_scenarios["iwaki"]))
    page = client.get("/console/center/").content.decode()
    for number in ["0246-22-1111", "0246-54-2111", "0246-63-2111", "0246-43-2111", "0246-26-2111"]:
        assert number in page
    assert "025-250-0700" not in page
    assert "市民課" in page
    # An operator reads the settings but gets no forms to change them.
    assert "着信番号を追加" not in page


def test_city_staff_cannot_change_numbers(client, all_scenarios, make_user):
    client.force_login(make_user("shokuin", Role.CITY_STAFF, all_scenarios["iwaki"]))
    before = InboundNumber.objects.count()
    response = client.post(
        "/console/center/numbers/", {"number": "0246-22-9999", "kind": "inquiry"}
    )
    assert response.status_code == 403
    assert InboundNumber.objects.count() == before


def test_malformed_number_keeps_input_and_changes_nothing(manager_client):
    before_numbers = InboundNumber.objects.count()
    before_audit = AuditEvent.objects.count()
    response = manager_client.post(
        "/console/center/numbers/",
        {"number": "0246-22-111", "kind": "inquiry", "label": "問合せ専用ダイヤル"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "「0246-22-111」は電話番号として正しくありません" in body
    assert 'value="0246-22-111"' in body
    assert 'value="問合せ専用ダイヤル"' in body
    assert InboundNumber.objects.count() == before_numbers
    assert AuditEvent.objects.count() == before_audit


def test_number_used_by_another_center_is_refused(manager_client):
    response = manager_client.post(
        "/console/center/numbers/", {"number": "097-510-5151", "kind": "inquiry"}
    )
    assert response.status_code == 400
    assert "既に「大分市マイナンバーカードコールセンター」の番号です" in response.content.decode()


def test_valid_number_is_added_normalised_and_audited(manager_client, all_scenarios):
    response = manager_client.post(
        "/console/center/numbers/", {"number": "０２４６－２２－７０００", "kind": "inquiry"}
    )
    assert response.status_code == 302
    number = InboundNumber.objects.get(e164="+81246227000")
    assert (number.display, number.center) == ("0246-22-7000", all_scenarios["iwaki"])
    event = AuditEvent.objects.filter(action="tenancy.number.added").latest("seq")
    assert event.data == {"number": "0246-22-7000", "kind": "inquiry"}
    assert event.actor_label == "kanri"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-02-30", "kind": "closed"}, "日付を正しく入力してください。"),
        ({"date": "2026/13/01", "kind": "closed"}, "日付を正しく入力してください。"),
        (
            {"date": "2026-08-15", "kind": "open", "opens": "25:00", "closes": "19:00"},
            "時間を正しく入力してください。",
        ),
        ({"date": "2026-08-15", "kind": "open"}, "開始時刻と終了時刻を入力してください。"),
        (
            {"date": "2026-08-15", "kind": "open", "opens": "19:00", "closes": "08:30"},
            "終了時刻は開始時刻より後にしてください。",
        ),
        ({"date": "", "kind": "closed"}, "このフィールドは必須です。"),
    ],
)
def test_malformed_dates_and_times_get_a_message_and_change_nothing(manager_client, data, message):
    before = CalendarException.objects.count()
    response = manager_client.post("/console/center/exceptions/", data, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    if data["date"]:
        assert f'value="{data["date"]}"' in body
    assert CalendarException.objects.count() == before


def test_one_off_closure_changes_the_status(manager_client, all_scenarios):
    response = manager_client.post(
        "/console/center/exceptions/",
        {"date": "2026-08-14", "kind": "closed", "reason": "システム更新"},
    )
    assert response.status_code == 302
    exception = CalendarException.objects.get(calendar=all_scenarios["iwaki"].calendar)
    assert (str(exception.date), exception.kind, exception.reason) == (
        "2026-08-14",
        "closed",
        "システム更新",
    )
    removed = manager_client.post(f"/console/center/exceptions/{exception.pk}/delete/")
    assert removed.status_code == 302
    assert not CalendarException.objects.exists()


def test_department_form_refuses_bad_extension_and_keeps_the_name(manager_client):
    before = Department.objects.count()
    response = manager_client.post(
        "/console/center/departments/",
        {"name": "危機管理課", "extension": "内線12", "external_number": "0246-22-7300"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "内線番号は数字で入力してください。" in body
    assert 'value="危機管理課"' in body
    assert Department.objects.count() == before
    ok = manager_client.post(
        "/console/center/departments/",
        {"name": "危機管理課", "extension": "2701", "external_number": "0246-22-7300"},
    )
    assert ok.status_code == 302
    department = Department.objects.get(name="危機管理課")
    assert (department.extension, department.external_display) == ("2701", "0246-22-7300")


def test_audit_search_is_for_supervisors_and_is_itself_audited(client, all_scenarios, make_user):
    iwaki = all_scenarios["iwaki"]
    client.force_login(make_user("sato", Role.OPERATOR, iwaki))
    assert client.get("/console/audit/").status_code == 403
    client.force_login(make_user("suzuki", Role.SUPERVISOR, iwaki))
    response = client.get("/console/audit/", {"action": "tenancy.number.added"})
    body = response.content.decode()
    assert response.status_code == 200
    # Five Iwaki numbers from the scenario; Oita's number belongs to another center.
    assert "5 件" in body
    assert "097-510-5151" not in body
    searched = AuditEvent.objects.filter(action="audit.log.searched").latest("seq")
    assert searched.actor_label == "suzuki"
    assert searched.data == {"action": "tenancy.number.added"}


def test_audit_search_rejects_an_inverted_period(client, all_scenarios, make_user):
    client.force_login(make_user("suzuki", Role.SUPERVISOR, all_scenarios["iwaki"]))
    response = client.get("/console/audit/", {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 400
    assert "終了日は開始日以降にしてください。" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.log.searched").exists()


def test_navigation_follows_the_role(client, all_scenarios, make_user):
    iwaki = all_scenarios["iwaki"]
    client.force_login(make_user("sato", Role.OPERATOR, iwaki))
    operator_page = client.get("/console/").content.decode()
    assert '<a href="/console/desk/">応対画面</a>' in operator_page
    assert "監査ログ" not in operator_page
    client.force_login(make_user("suzuki", Role.SUPERVISOR, iwaki))
    assert 'href="/console/audit/"' in client.get("/console/").content.decode()


def test_console_stays_japanese_for_an_english_browser(client, db):
    response = client.post("/console/login/", {}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "このフィールドは必須です。" in body


def test_center_page_query_count_is_bounded(manager_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        assert manager_client.get("/console/center/").status_code == 200


def test_manager_registers_staff_with_a_role_in_the_current_center(manager_client, all_scenarios):
    response = manager_client.post(
        "/console/staff/add/",
        {
            "username": "yamada",
            "display_name": "山田 花子",
            "role": "operator",
            "password": "kawasemi-no-hane-2026",
        },
    )
    assert response.status_code == 302
    from madoguchi.accounts.models import User

    user = User.objects.get(username="yamada")
    memberships = user.memberships.values_list("center__slug", "role")
    assert list(memberships) == [("iwaki", "operator")]
    assert user.password.startswith("md5$")  # hashed, never stored as typed


def test_weak_password_keeps_everything_else_and_creates_nobody(manager_client):
    from madoguchi.accounts.models import User

    before = User.objects.count()
    response = manager_client.post(
        "/console/staff/add/",
        {
            "username": "yamada",
            "display_name": "山田 花子",
            "role": "operator",
            "password": "12345",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "このパスワードは短すぎます" in body
    assert 'value="yamada"' in body and 'value="山田 花子"' in body
    assert 'value="12345"' not in body  # a password is never echoed back
    assert User.objects.count() == before


def test_viewing_a_staff_record_is_an_audited_access(manager_client, all_scenarios, make_user):
    operator = make_user("sato", Role.OPERATOR, all_scenarios["iwaki"])
    response = manager_client.get(f"/console/staff/{operator.pk}/")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="accounts.user.viewed").get()
    assert (event.kind, event.object_id, event.actor_label) == ("access", str(operator.pk), "kanri")
    assert event.center == all_scenarios["iwaki"]


def test_staff_of_another_center_is_invisible(manager_client, all_scenarios, make_user):
    outsider = make_user("niigata-op", Role.OPERATOR, all_scenarios["niigata"])
    assert "niigata-op" not in manager_client.get("/console/staff/").content.decode()
    assert manager_client.get(f"/console/staff/{outsider.pk}/").status_code == 404
    refused = manager_client.post(f"/console/staff/{outsider.pk}/roles/", {"role": "supervisor"})
    assert refused.status_code == 404
    assert outsider.memberships.count() == 1
    assert not AuditEvent.objects.filter(action="accounts.user.viewed").exists()


def test_grant_and_revoke_a_role(manager_client, all_scenarios, make_user):
    operator = make_user("sato", Role.OPERATOR, all_scenarios["iwaki"])
    manager_client.post(f"/console/staff/{operator.pk}/roles/", {"role": "supervisor"})
    roles = sorted(operator.memberships.values_list("role", flat=True))
    assert roles == ["operator", "supervisor"]
    membership = operator.memberships.get(role="operator")
    manager_client.post(f"/console/staff/{operator.pk}/roles/{membership.pk}/revoke/")
    assert list(operator.memberships.values_list("role", flat=True)) == ["supervisor"]
    actions = list(
        AuditEvent.objects.filter(object_id=str(operator.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["accounts.membership.granted", "accounts.membership.revoked"]


def test_supervisor_cannot_manage_staff(client, all_scenarios, make_user):
    client.force_login(make_user("suzuki", Role.SUPERVISOR, all_scenarios["iwaki"]))
    assert client.get("/console/staff/").status_code == 403


def test_a_my_number_in_a_free_text_field_is_refused_and_the_rest_kept(manager_client):
    from madoguchi.tenancy.models import Department

    before = Department.objects.count()
    response = manager_client.post(
        "/console/center/departments/",
        {
            "name": "危機管理課",
            "extension": "2701",
            "address": "本庁舎 担当 1234-5678-9018",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "個人番号は記録できません" in body
    assert 'value="危機管理課"' in body and 'value="2701"' in body
    assert Department.objects.count() == before
