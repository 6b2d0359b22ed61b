from __future__ import annotations

import pytest
from django.utils import timezone

from madoguchi.accounts.tests.factories import UserFactory
from madoguchi.audit.models import AuditEvent
from madoguchi.audit.services import audit_log
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import month_period
from madoguchi.reports.registry import builder_for
from madoguchi.reports.tests.helpers import rows_by_key, section, table


@pytest.fixture
def audited(all_scenarios):
    iwaki = all_scenarios["iwaki"]
    # Loading the scenarios wrote change events of its own; start from an empty log.
    AuditEvent.objects.all().delete()
    operator = UserFactory.create(username="op-suzuki", display_name="鈴木 花子")
    manager = UserFactory.create(username="mgr-sato", display_name="佐藤 一郎")
    for _ in range(3):
        audit_log(action="calls.recording.played", actor=operator, center=iwaki, obj=iwaki)
    audit_log(action="reservations.booking.viewed", actor=manager, center=iwaki, obj=iwaki)
    audit_log(action="interactions.interaction.exported", actor=manager, center=iwaki, obj=iwaki)
    audit_log(action="calls.recording.purged", actor=None, center=iwaki, data={"count": 12})
    audit_log(action="calls.recording.purged", actor=None, center=iwaki, data={"count": 3})
    # Another center's events and log-ins are not in this report.
    audit_log(
        action="calls.recording.played", actor=operator, center=all_scenarios["oita"], obj=iwaki
    )
    audit_log(action="accounts.session.logged_in", actor=operator, center=iwaki)
    return iwaki, operator, manager


def test_personal_data_report_counts_by_user_and_kind(audited):
    center, operator, manager = audited
    period = month_period(timezone.localdate())

    report = builder_for(ReportKind.PERSONAL_DATA)(center=center, period=period)

    users = table(report, "概況", "操作者別・区分別の件数")
    assert users.columns == ["操作者", "閲覧", "出力", "変更", "削除", "合計"]
    by_user = {row[0]: row[1:] for row in users.rows}
    operator_label = next(k for k in by_user if "op-suzuki" in str(k) or "鈴木" in str(k))
    manager_label = next(k for k in by_user if "mgr-sato" in str(k) or "佐藤" in str(k))
    assert by_user[operator_label] == [3, 0, 0, 0, 3]
    assert by_user[manager_label] == [1, 1, 0, 0, 2]
    assert by_user["（自動処理）"] == [0, 0, 0, 2, 2]
    assert by_user["合計"] == [4, 1, 0, 2, 7]
    actions = rows_by_key(table(report, "概況", "操作別の件数"))
    assert actions["通話録音を再生"]["件数"] == 3
    assert actions["保存期間を過ぎた通話録音を削除"]["区分"] == "削除"


def test_personal_data_report_lists_exports_and_retention_deletions(audited):
    center, _, manager = audited
    report = builder_for(ReportKind.PERSONAL_DATA)(
        center=center, period=month_period(timezone.localdate())
    )

    exports = table(report, "出力", "個人情報を含む出力")
    assert [row[2] for row in exports.rows] == ["応対履歴を出力"]
    retention = table(report, "削除", "保存期間満了による自動削除")
    assert retention.rows == [["保存期間を過ぎた通話録音を削除", 2]]
    assert "保存期間満了による自動削除 2 件" in section(report, "削除").text
    assert len(table(report, "閲覧", "個人情報の閲覧").rows) == 4
