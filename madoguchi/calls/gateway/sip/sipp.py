"""sipp scenarios and runners for the tests and the benchmark (loopback only).

The callers (carrier side) and the phones (operators, departments, the security desk
behind the trunk) are sipp processes; sipp's built-in scenarios ignore Record-Route,
so these own scenarios follow it. Phones register with a plain REGISTER (``register``).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass

PCAP_DIR = "/usr/share/sip-tester"

_SDP = """
      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000"""

CALLER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="a caller dials a city number, talks, hangs up">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70{headers}
      Content-Type: application/sdp
      Content-Length: [len]
{sdp}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      [routes]
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
{talk}
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      [routes]
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
"""

REJECTED_CALLER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="a caller is refused with {code}">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:{caller}@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]
{sdp}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="{code}"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
</scenario>
"""

PHONE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="a phone rings, answers, echoes the audio, is hung up on">
  <recv request="INVITE" crlf="true" rrs="true"/>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="{ring_ms}"/>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]
{sdp}
    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <timewait milliseconds="500"/>
</scenario>
"""


PCAP_MS = 7000  # g711a.pcap shipped with sipp: 7 s of A-law speech

BUSY_PHONE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="a phone that is busy (486)">
  <recv request="INVITE"/>
  <send>
    <![CDATA[
      SIP/2.0 486 Busy Here
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag02[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
  <timewait milliseconds="500"/>
</scenario>
"""


def caller_xml(*, caller: str = "0312345678", talk_ms: int = 3000, headers: str = "") -> str:
    """A caller that speaks (sipp's A-law sample, repeated) for ``talk_ms`` after the answer."""
    extra = "".join(f"\n      {h}" for h in headers.splitlines() if h.strip())
    pcap = os.path.join(PCAP_DIR, "g711a.pcap")
    talk, left = [], talk_ms
    while left > 0:
        talk.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>')
        talk.append(f'  <pause milliseconds="{min(left, PCAP_MS)}"/>')
        left -= PCAP_MS
    return CALLER.format(caller=caller, headers=extra, sdp=_SDP, talk="\n".join(talk))


HUNG_UP_BY_CITY = """
  <recv request="BYE" timeout="{wait_ms}"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
</scenario>
"""


def caller_hung_up_xml(*, caller: str = "0312345678", wait_ms: int = 30000) -> str:
    """A caller that speaks once after the answer and waits (at most ``wait_ms``) for the
    city to hang up (the operator's 終話, a BYE); a call it ends itself is a failure."""
    pcap = os.path.join(PCAP_DIR, "g711a.pcap")
    head = CALLER.split("{talk}")[0].format(caller=caller, headers="", sdp=_SDP)
    talk = f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>'
    return head + talk + HUNG_UP_BY_CITY.format(wait_ms=wait_ms)


def rejected_xml(*, code: int, caller: str = "0312345678") -> str:
    return REJECTED_CALLER.format(code=code, caller=caller, sdp=_SDP)


def phone_xml(*, ring_ms: int = 500) -> str:
    return PHONE.format(ring_ms=ring_ms, sdp=_SDP)


_MEDIA_PORTS = 4  # sipp binds -mp and the ports after it (RTP, RTCP; echo: video too)


def _media_block(preferred: int) -> int:
    """``preferred`` if it and the ports after it that sipp binds are free now, else the
    first such block found. A port free on its own may have a busy neighbour: sipp then
    exits at once with 254, "fatal error binding a socket" (seen once in CI)."""
    if _block_free(preferred):
        return preferred
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if _block_free(base):
            return base
    raise OSError("no block of free UDP ports for sipp's media")


def _block_free(base: int) -> bool:
    if base + _MEDIA_PORTS > 65536:
        return False
    sockets: list[socket.socket] = []
    try:
        for port in range(base, base + _MEDIA_PORTS):
            sockets.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            sockets[-1].bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        for sock in sockets:
            sock.close()
    return True


@dataclass
class Sipp:
    """One sipp process; ``wait`` returns its exit code (0: every call as scripted)."""

    proc: subprocess.Popen[bytes]
    log: str

    @classmethod
    def start(
        cls,
        xml: str,
        *,
        workdir: str,
        name: str,
        port: int,
        media_port: int,
        target: str = "",
        service: str = "",
        calls: int = 1,
        rate: float | None = None,
        limit: int | None = None,
        timeout_s: int = 60,
        echo: bool = False,
    ) -> Sipp:
        path = os.path.join(workdir, f"{name}.xml")
        with open(path, "w", encoding="ascii") as f:
            f.write(xml)
        media_port = _media_block(media_port)
        argv = ["sipp", "-sf", path, "-i", "127.0.0.1", "-p", str(port)]
        argv += ["-mi", "127.0.0.1", "-mp", str(media_port), "-m", str(calls), "-nostdin"]
        argv += ["-timeout", f"{timeout_s}s", "-timeout_error", "-trace_err"]
        argv += ["-error_file", os.path.join(workdir, f"{name}.errors.log")]
        if service:
            argv += ["-s", service]
        if rate is not None:
            argv += ["-r", str(rate), "-rp", "1000"]
        if limit is not None:
            argv += ["-l", str(limit)]
        if echo:
            argv += ["-rtp_echo"]
        if target:
            argv.append(target)
        log = os.path.join(workdir, f"{name}.out")
        with open(log, "wb") as out:
            proc = subprocess.Popen(  # noqa: S603 (fixed argv)
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir
            )
        return cls(proc, log)

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -1

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def output(self) -> str:
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()[-3000:]


def register(*, proxy: tuple[str, int], user: str, contact_port: int, timeout: float = 3.0) -> None:
    """Register ``user`` at Kamailio with a contact on 127.0.0.1:contact_port (a sipp phone)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(timeout)
        port = sock.getsockname()[1]
        host = f"{proxy[0]}:{proxy[1]}"
        request = (
            f"REGISTER sip:{host} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(8)}\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <sip:{user}@{host}>;tag={secrets.token_hex(4)}\r\n"
            f"To: <sip:{user}@{host}>\r\n"
            f"Call-ID: {secrets.token_hex(10)}@127.0.0.1\r\n"
            f"CSeq: 1 REGISTER\r\n"
            f"Contact: <sip:{user}@127.0.0.1:{contact_port}>\r\n"
            f"Expires: 3600\r\n"
            f"Content-Length: 0\r\n\r\n"
        )
        deadline = time.monotonic() + timeout
        sock.sendto(request.encode(), proxy)
        while time.monotonic() < deadline:
            data, _ = sock.recvfrom(65535)
            status = data.split(b"\r\n", 1)[0]
            if status.startswith(b"SIP/2.0 2"):
                return
            if not status.startswith(b"SIP/2.0 1"):
                raise RuntimeError(f"REGISTER {user} refused: {status!r}")
        raise TimeoutError(f"REGISTER {user}: no answer")
