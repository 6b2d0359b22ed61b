"""The booking URL and its QR code for publicity (RSV-9)."""

from __future__ import annotations

import io

import pytest
import segno
from django.core.management import CommandError, call_command

from madoguchi.tenancy.tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("booking_qr", *args, stdout=out)
    return out.getvalue()


def test_prints_the_url_per_language_and_channel():
    CenterFactory.create(slug="oita-vax")
    base = "--base-url=https://yoyaku.city.example.jp/"
    assert run("oita-vax", base).splitlines() == [
        "https://yoyaku.city.example.jp/booking/oita-vax/"
    ]
    assert run("oita-vax", base, "--language=en", "--channel=line").splitlines() == [
        "https://yoyaku.city.example.jp/en/booking/oita-vax/?channel=line"
    ]


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_saves_a_qr_code_of_the_url(tmp_path, suffix):
    CenterFactory.create(slug="oita-vax")
    target = tmp_path / f"qr{suffix}"
    out = run("oita-vax", "--base-url=https://yoyaku.city.example.jp", f"--output={target}")
    url = out.splitlines()[0]
    data = target.read_bytes()
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert b"<svg" in data and b"<path" in data
    # The same symbol as encoding the printed URL (version and error level stated).
    expected = segno.make(url, error="m", micro=False, boost_error=False)
    assert f"({expected.designator})" in out
    assert expected.designator.endswith("-M")


def test_refuses_a_relative_base_url_and_unknown_center():
    CenterFactory.create(slug="oita-vax")
    with pytest.raises(CommandError, match="https://"):
        run("oita-vax", "--base-url=yoyaku.city.example.jp")
    with pytest.raises(CommandError):
        run("nowhere", "--base-url=https://yoyaku.city.example.jp")


def test_booking_gate_command_sets_up_a_window(audit_trail):
    import json

    CenterFactory.create(slug="oita-vax")
    out = io.StringIO()
    call_command(
        "booking_gate",
        "oita-vax",
        "--opens-at=2031-05-01T09:00",
        "--rate-per-minute=300",
        stdout=out,
    )
    shown = json.loads(out.getvalue())
    assert shown["opens_at"] == "2031-05-01T09:00:00+09:00"
    assert (shown["rate_per_minute"], shown["closed"], shown["prequeue_size"]) == (300, False, 0)
    assert audit_trail.actions() == ["reservations.admission_gate.configured"]

    out = io.StringIO()
    call_command("booking_gate", "oita-vax", "--closed", stdout=out)
    assert json.loads(out.getvalue())["closed"] is True
    with pytest.raises(CommandError, match="日時"):
        call_command("booking_gate", "oita-vax", "--opens-at=tomorrow", stdout=io.StringIO())
