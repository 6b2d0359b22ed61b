"""telephony_config: the numbers of every center are in a config Kamailio accepts."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.core.management import call_command

from madoguchi.calls.gateway.sip.config import (
    NumberRoute,
    TelephonySettings,
    number_routes,
    render_kamailio,
    render_rtpengine,
)
from madoguchi.calls.gateway.sip.gateway import caller_of, normalize_number
from madoguchi.calls.services import forwarding_set


def _kamailio_check(path: str) -> subprocess.CompletedProcess[str]:
    kamailio = shutil.which("kamailio")
    if kamailio is None:
        pytest.fail("kamailio is missing: run scripts/ensure-telephony.sh", pytrace=False)
    return subprocess.run(  # noqa: S603 (fixed argv)
        [kamailio, "-c", "-f", path], capture_output=True, text=True, timeout=60
    )


def test_every_number_is_in_the_config_and_kamailio_accepts_it(all_scenarios, tmp_path):
    forwarding_set(actor=None, center=all_scenarios["iwaki"], enabled=True, number="0246-22-9999")
    out = io.StringIO()
    call_command(
        "telephony_config",
        "--out",
        str(tmp_path),
        "--trunk",
        "127.0.0.1:5099",
        "--check",
        stdout=out,
    )
    assert "kamailio -c: OK" in out.getvalue()
    cfg = (tmp_path / "kamailio.cfg").read_text()
    routes = number_routes()
    assert len(routes) >= 8
    for route in routes:
        assert f'case "{route.e164}":' in cfg
    # いわき: the static fallback is the after-hours forward number through the trunk.
    iwaki_block = cfg.split('case "+81246221111":', 1)[1].split("exit;", 1)[0]
    assert "sip:+81246229999@127.0.0.1:5099" in iwaki_block
    # Sapporo has no forward: the fallback is 503 with Retry-After.
    sapporo_block = cfg.split('case "+81112112977":', 1)[1].split("exit;", 1)[0]
    assert '"503"' in sapporo_block
    rtp = (tmp_path / "rtpengine.conf").read_text()
    assert "listen-ng = 127.0.0.1:2223" in rtp and "table = -1" in rtp


def test_a_broken_config_is_refused_by_kamailio(tmp_path):
    settings = TelephonySettings(run_dir=str(tmp_path), numbers=[NumberRoute("+81000", "x", "")])
    cfg = render_kamailio(settings).replace("route[MEDIA] {", "route[MEDIA] {{", 1)
    path = tmp_path / "broken.cfg"
    path.write_text(cfg)
    assert _kamailio_check(str(path)).returncode != 0


def test_options_reach_both_files(tmp_path):
    settings = TelephonySettings(
        run_dir=str(tmp_path),
        sip_port=15060,
        ng_port=12223,
        rtp_min=40000,
        rtp_max=40100,
        rtpengine=False,
    )
    cfg = render_kamailio(settings)
    assert "listen=udp:127.0.0.1:15060" in cfg
    assert "rtpengine" not in cfg.split("request_route", 1)[0]
    path = tmp_path / "k.cfg"
    path.write_text(cfg)
    assert _kamailio_check(str(path)).returncode == 0
    assert "port-min = 40000" in render_rtpengine(settings)


@pytest.mark.parametrize(
    ("user", "privacy", "expected"),
    [
        ("0312345678", "", "+81312345678"),
        ("+819011112222", "", "+819011112222"),
        ("anonymous", "", ""),
        ("0312345678", "id", ""),
        ("", "", ""),
    ],
)
def test_caller_number_and_withheld_callers(user, privacy, expected):
    assert caller_of(user, privacy) == expected


def test_dialed_number_normalisation():
    assert normalize_number("0246221111") == "+81246221111"
    assert normalize_number("+81246221111") == "+81246221111"
    assert normalize_number("0120-123-456") == "+81120123456"
