"""The shared console action: a broken rule becomes an error message, success a message."""

from __future__ import annotations

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from madoguchi.console.actions import form_errors_message, perform
from madoguchi.errors import DomainError


def _request():
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_success_runs_the_work_and_says_done():
    request, ran = _request(), []

    assert perform(request, lambda: ran.append(1), done="保存しました。") is True

    assert ran == [1]
    assert [(m.level_tag, m.message) for m in get_messages(request)] == [
        ("success", "保存しました。")
    ]


def test_a_broken_rule_is_shown_instead_of_done():
    request = _request()

    def work() -> None:
        raise DomainError("この操作は今はできません。")

    assert perform(request, work, done="保存しました。") is False

    assert [(m.level_tag, m.message) for m in get_messages(request)] == [
        ("error", "この操作は今はできません。")
    ]


class _Form(forms.Form):
    name = forms.CharField(max_length=3, error_messages={"max_length": "名前は3文字までです。"})
    order = forms.IntegerField(error_messages={"invalid": "順番は数字で入力してください。"})


def test_form_errors_become_one_message():
    form = _Form({"name": "長すぎる名前", "order": "x"})
    assert not form.is_valid()
    assert form_errors_message(form) == "名前は3文字までです。 順番は数字で入力してください。"
