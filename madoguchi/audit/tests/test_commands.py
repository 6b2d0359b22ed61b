"""``madoguchi audit_verify`` and ``madoguchi audit_purge``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from madoguchi.audit.models import AuditEvent
from madoguchi.audit.selectors import audit_chain_verify
from madoguchi.audit.tests.factories import AuditEventFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_audit_verify_ok():
    AuditEventFactory.create_batch(4)
    assert run("audit_verify") == "OK: 4 件の監査ログを検証しました（seq 1〜4）。\n"


def test_audit_verify_json():
    AuditEventFactory.create_batch(2)
    assert json.loads(run("audit_verify", "--format", "json")) == {
        "ok": True,
        "checked": 2,
        "first_seq": 1,
        "last_seq": 2,
        "broken_at": None,
        "reason": "",
    }


def test_audit_verify_on_an_empty_log_prints_no_none():
    text = run("audit_verify")
    assert text.startswith("OK: 0 件")
    assert "None" not in text


def test_audit_verify_fails_on_tamper():
    AuditEventFactory.create_batch(4)
    AuditEvent.objects.filter(seq=3).update(object_repr="書き換え")
    with pytest.raises(CommandError) as excinfo:
        run("audit_verify")
    assert str(excinfo.value) == (
        "監査ログの連鎖が壊れています: seq 3（row content changed）。2 件は正常でした。"
    )


def test_audit_verify_fails_on_a_cut_log():
    AuditEventFactory.create_batch(4)
    AuditEvent.objects.filter(seq=4).delete()
    with pytest.raises(CommandError) as excinfo:
        run("audit_verify")
    assert "seq 4（rows after 3 missing (head is at 4)）" in str(excinfo.value)


def test_audit_verify_json_still_fails_on_tamper():
    AuditEventFactory.create_batch(3)
    AuditEvent.objects.filter(seq=2).update(data={"forged": True})
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["ok"], report["broken_at"], report["checked"]) == (False, 2, 1)


@pytest.mark.parametrize("days", ["0", "30", "91"])
def test_audit_purge_refuses_short_retention(days):
    AuditEventFactory.create_batch(2)
    with pytest.raises(CommandError) as excinfo:
        run("audit_purge", "--days", days)
    assert str(excinfo.value) == "監査ログの保存期間は3か月（92日）以上にしてください。"
    assert AuditEvent.objects.count() == 2


def test_audit_purge_keeps_recent_events(settings):
    AuditEventFactory.create_batch(3)
    assert settings.AUDIT_RETENTION_DAYS == 400
    assert run("audit_purge") == "0 件を削除しました。\n"
    assert run("audit_purge", "--days", "92") == "0 件を削除しました。\n"
    assert AuditEvent.objects.count() == 3
    assert audit_chain_verify().ok is True
