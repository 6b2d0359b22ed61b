"""Start and stop Kamailio and rtpengine on loopback (tests, benchmark, ``make telephony``).

Each process is started in the foreground as a child and stopped by its PID (SIGTERM,
then SIGKILL after a grace period); nothing is left running. Ports are free ports on
127.0.0.1 unless given. Works as root (CI) and as an ordinary user (high ports only).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from madoguchi.calls.gateway.sip.config import TelephonySettings, write_configs
from madoguchi.calls.gateway.sip.kamailio import jsonrpc, rtpengine_ng

REQUIRED = ("kamailio", "rtpengine", "sipp", "sox", "espeak-ng")


class StackMissing(RuntimeError):
    pass


def check_installed() -> None:
    missing = [name for name in REQUIRED if shutil.which(name) is None]
    if missing:
        raise StackMissing(
            "the SIP stack is not installed (missing: "
            + ", ".join(missing)
            + "); run `bash scripts/ensure-telephony.sh` (as root) — `make test` does"
        )


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_port() -> int:
    """A port free for both UDP and TCP."""
    for _ in range(50):
        port = free_tcp_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


def loopback_settings(run_dir: str | None = None, **overrides: object) -> TelephonySettings:
    # rtpengine takes 4 ports per anchored dialog (2 sides × RTP/RTCP); 2000 ports ≈ 500.
    rtp_base = 20000 + (os.getpid() % 16) * 2500
    settings = TelephonySettings(
        run_dir=run_dir or tempfile.mkdtemp(prefix="madoguchi-sip-"),
        sip_port=free_port(),
        evapi_port=free_tcp_port(),
        ng_port=free_udp_port(),
        router_port=free_tcp_port(),
        worker_port=free_udp_port(),
        trunk=f"127.0.0.1:{free_udp_port()}",
        rtp_min=rtp_base,
        rtp_max=rtp_base + 1999,
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


@dataclass
class Stack:
    settings: TelephonySettings
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, *, timeout: float = 15.0) -> None:
        check_installed()
        kam_cfg, rtp_conf = write_configs(self.settings)
        s = self.settings
        logs = os.path.join(s.run_dir, "logs")
        os.makedirs(logs, exist_ok=True)
        if s.rtpengine:
            self._spawn(
                "rtpengine",
                [
                    "rtpengine",
                    f"--config-file={rtp_conf}",
                    "--foreground",
                    "--log-stderr",
                    f"--pidfile={s.run_dir}/rtpengine.pid",
                ],
                logs,
            )
        self._spawn(
            "kamailio",
            [
                "kamailio",
                "-f",
                kam_cfg,
                "-DD",
                "-E",
                "-w",
                s.run_dir,
                "-P",
                f"{s.run_dir}/kamailio.pid",
            ],
            logs,
        )
        deadline = time.monotonic() + timeout
        ready = {"rtpengine": not s.rtpengine, "kamailio": False}
        while not all(ready.values()):
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    log = self.log(name)
                    self.stop()
                    raise RuntimeError(f"{name} exited at start ({proc.returncode}):\n{log}")
            if not ready["rtpengine"]:
                try:
                    ready["rtpengine"] = b"pong" in rtpengine_ng(
                        s.host, s.ng_port, {"command": "ping"}, timeout=0.3
                    )
                except OSError:
                    pass
            if not ready["kamailio"] and os.path.exists(s.jsonrpc_socket):
                try:
                    jsonrpc(s.jsonrpc_socket, "core.uptime", timeout=0.5)
                    ready["kamailio"] = True
                except (OSError, RuntimeError):
                    pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the SIP stack did not start in {timeout:.0f} s: {ready}")
            time.sleep(0.1)

    def _spawn(self, name: str, argv: list[str], logs: str) -> None:
        out = open(os.path.join(logs, f"{name}.log"), "wb")  # noqa: SIM115 (closed with the process)
        self.procs[name] = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()

    def log(self, name: str) -> str:
        path = os.path.join(self.settings.run_dir, "logs", f"{name}.log")
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self, grace: float = 5.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                # Kamailio's children are in its process group (start_new_session): end them too.
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        # Kamailio forks workers into its own group; make sure none survives the parent.
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.procs.clear()
