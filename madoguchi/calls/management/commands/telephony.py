"""Run the SIP stack on loopback for the demo (make telephony); Ctrl-C stops everything.

Starts rtpengine and Kamailio (configs from the centers' numbers), the SIP gateway
(routing endpoint, media worker, evapi) on this process's live router, the console on
http://127.0.0.1:8000 (uvicorn in this process, so the desk's ready / not ready / hang-up /
transfer act on the SIP calls, as in production with ``MADOGUCHI_GATEWAY=sip``) and — with
``--seats`` — sipp phones that answer for that many seats of the center, so a call can be
placed at once with any SIP softphone or with ``--call``. Every process is stopped by its
PID.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.calls.gateway.sip import stack as sip_stack
from madoguchi.calls.gateway.sip.config import TelephonySettings, number_routes
from madoguchi.calls.gateway.sip.service import sip_gateway_start, sip_gateway_stop
from madoguchi.calls.gateway.sip.sipp import Sipp, caller_xml, phone_xml, register
from madoguchi.calls.live import live_router
from madoguchi.calls.models import Agent
from madoguchi.calls.services import queue_ensure_default
from madoguchi.tenancy.models import Center


class Command(BaseCommand):
    help = "ループバックで SIP スタック（Kamailio・rtpengine・メディアワーカー）を起動します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", default="iwaki")
        parser.add_argument("--sip-port", type=int, default=5060)
        parser.add_argument("--trunk", default="127.0.0.1:5070")
        parser.add_argument("--seats", type=int, default=2, help="自動応答する sipp 電話の数")
        parser.add_argument("--call", action="store_true", help="起動後にテスト着信を1本かける")
        parser.add_argument("--wrap-up", type=float, default=20.0, help="後処理の秒数")
        parser.add_argument(
            "--http-port", type=int, default=8000, help="コンソールのポート（0: 起動しない）"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            sip_stack.check_installed()
        except sip_stack.StackMissing as exc:
            raise CommandError(str(exc)) from exc
        center = Center.objects.filter(slug=o["center"]).first()
        if center is None:
            raise CommandError(
                f"センター {o['center']} がありません（make run か load_demo を先に）"
            )
        queue_ensure_default(actor=None, center=center)
        run_dir = tempfile.mkdtemp(prefix="madoguchi-telephony-")
        defaults = sip_stack.loopback_settings(run_dir=run_dir)
        settings = TelephonySettings(
            run_dir=run_dir,
            sip_port=o["sip_port"],
            trunk=o["trunk"],
            evapi_port=defaults.evapi_port,
            ng_port=defaults.ng_port,
            router_port=defaults.router_port,
            worker_port=defaults.worker_port,
            rtp_min=defaults.rtp_min,
            rtp_max=defaults.rtp_max,
            numbers=number_routes(),
        )
        stack = sip_stack.Stack(settings)
        stack.start()
        environ = {
            "MADOGUCHI_SIP_DIR": run_dir,
            "MADOGUCHI_SIP_HOST": settings.host,
            "MADOGUCHI_SIP_PORT": str(settings.sip_port),
            "MADOGUCHI_SIP_EVAPI_PORT": str(settings.evapi_port),
            "MADOGUCHI_SIP_ROUTER_PORT": str(settings.router_port),
            "MADOGUCHI_SIP_WORKER_PORT": str(settings.worker_port),
            "MADOGUCHI_SIP_TRUNK": settings.trunk,
            "MADOGUCHI_SIP_WRAP_UP_S": str(o["wrap_up"]),
        }
        procs: list[Sipp] = []
        web: Any = None
        web_thread: threading.Thread | None = None
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            gateway = sip_gateway_start(environ)
            router = live_router()
            if o["http_port"]:
                import uvicorn

                from madoguchi.config.asgi import application

                # The gateway already runs on this process's router: no lifespan needed.
                web = uvicorn.Server(
                    uvicorn.Config(
                        application,
                        host="127.0.0.1",
                        port=o["http_port"],
                        lifespan="off",
                        log_level="warning",
                    )
                )
                web_thread = threading.Thread(target=web.run, name="console", daemon=True)
                web_thread.start()
                deadline = time.monotonic() + 15
                while not web.started:
                    if not web_thread.is_alive() or time.monotonic() > deadline:
                        raise CommandError(
                            f"コンソールを 127.0.0.1:{o['http_port']} で起動できません"
                            "（make run が動いていれば止めるか --http-port を変えてください）"
                        )
                    time.sleep(0.05)
            for n in range(1, o["seats"] + 1):
                seat, _ = Agent.objects.get_or_create(
                    center=center, name=f"SIPデモ席 {n}", defaults={"extension": f"9{n:03d}"}
                )
                port = sip_stack.free_udp_port()
                procs.append(
                    Sipp.start(
                        phone_xml(ring_ms=1000),
                        workdir=run_dir,
                        name=f"seat{n}",
                        port=port,
                        media_port=sip_stack.free_udp_port(),
                        calls=10000,
                        echo=True,
                        timeout_s=86400,
                    )
                )
                time.sleep(0.3)
                register(
                    proxy=("127.0.0.1", settings.sip_port), user=seat.extension, contact_port=port
                )
                gateway.in_router(partial(router.agent_ready, seat))
            pids = ", ".join(f"{name} {p.pid}" for name, p in stack.procs.items())
            number = center.numbers.order_by("id").first()
            self.stdout.write(
                f"SIP: udp 127.0.0.1:{settings.sip_port}（{pids}）、設定: {run_dir}\n"
                f"着信番号: {number.display if number else '—'}、席: {o['seats']}\n"
                "Ctrl-C で停止します。\n"
            )
            if web is not None:
                self.stdout.write(
                    f"コンソール: http://127.0.0.1:{o['http_port']}/console/live/phone/"
                    "（受付可・離席・終話・転送が SIP の通話に効きます）\n"
                )
            if o["call"] and number is not None:
                procs.append(
                    Sipp.start(
                        caller_xml(talk_ms=40000),
                        workdir=run_dir,
                        name="demo-caller",
                        port=sip_stack.free_udp_port(),
                        media_port=sip_stack.free_udp_port(),
                        target=f"127.0.0.1:{settings.sip_port}",
                        service=number.e164,
                    )
                )
            while not stop.wait(1.0):
                for name, child in stack.procs.items():
                    if child.poll() is not None:
                        raise CommandError(f"{name} が停止しました:\n{stack.log(name)}")
        finally:
            for proc in procs:
                proc.kill()
            if web is not None and web_thread is not None:
                web.should_exit = True
                web_thread.join(10)
            sip_gateway_stop()
            stack.stop()
            shutil.rmtree(run_dir, ignore_errors=True)
            self.stdout.write("停止しました。\n")
