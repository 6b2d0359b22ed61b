"""A small SIP message model: parse and build what the media worker exchanges with Kamailio."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
}
_TAG = re.compile(r";\s*tag=([^;>\s]+)", re.IGNORECASE)
_URI = re.compile(r"<([^>]*)>")
_USER = re.compile(r"^(?:sips?|tel):([^@;>]*)", re.IGNORECASE)


class SipParseError(ValueError):
    pass


@dataclass
class SipMessage:
    start: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return not self.start.startswith("SIP/2.0 ")

    @property
    def method(self) -> str:
        return self.start.split(" ", 1)[0] if self.is_request else self.cseq[1]

    @property
    def uri(self) -> str:
        return self.start.split(" ")[1]

    @property
    def status(self) -> int:
        return int(self.start.split(" ")[1]) if not self.is_request else 0

    def get(self, name: str, default: str = "") -> str:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        out: list[str] = []
        for key, value in self.headers:
            if key == name:
                out.extend(
                    _split_commas(value) if name in {"via", "record-route", "route"} else [value]
                )
        return out

    @property
    def call_id(self) -> str:
        return self.get("call-id")

    @property
    def cseq(self) -> tuple[int, str]:
        number, method = self.get("cseq").split()
        return int(number), method.upper()

    @property
    def from_tag(self) -> str:
        return tag_of(self.get("from"))

    @property
    def to_tag(self) -> str:
        return tag_of(self.get("to"))

    def encode(self) -> bytes:
        lines = [self.start]
        for key, value in self.headers:
            if key != "content-length":
                lines.append(f"{_canonical(key)}: {value}")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def _split_commas(value: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in value:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


_CANON = {"call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate"}


def _canonical(key: str) -> str:
    return _CANON.get(key) or "-".join(p.capitalize() for p in key.split("-"))


def tag_of(value: str) -> str:
    m = _TAG.search(value.split(">", 1)[1] if ">" in value else value)
    return m.group(1) if m else ""


def uri_of(value: str) -> str:
    m = _URI.search(value)
    return (m.group(1) if m else value.split(";", 1)[0]).strip()


def user_of(uri: str) -> str:
    m = _USER.match(uri_of(uri))
    return m.group(1) if m else ""


def parse(data: bytes) -> SipMessage:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise SipParseError("no end of headers")
    try:
        lines = head.decode("utf-8").split("\r\n")
    except UnicodeDecodeError as exc:
        raise SipParseError("headers are not UTF-8") from exc
    if not lines or not lines[0]:
        raise SipParseError("empty start line")
    msg = SipMessage(lines[0])
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and msg.headers:
            key, value = msg.headers[-1]
            msg.headers[-1] = (key, value + " " + line.strip())
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise SipParseError(f"bad header line {line!r}")
        key = key.strip().lower()
        msg.headers.append((COMPACT.get(key, key), value.strip()))
    length = msg.get("content-length")
    msg.body = body[: int(length)] if length.isdigit() else body
    return msg


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(12)}@{host}"


def response(
    request: SipMessage,
    code: int,
    reason: str,
    *,
    to_tag: str = "",
    extra: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    content_type: str = "",
) -> SipMessage:
    msg = SipMessage(f"SIP/2.0 {code} {reason}")
    for key in ("via", "record-route", "from", "to", "call-id", "cseq"):
        for key2, value in request.headers:
            if key2 == key:
                if key == "to" and to_tag and not tag_of(value):
                    value = f"{value};tag={to_tag}"
                msg.headers.append((key, value))
    msg.headers.extend(extra or [])
    if body:
        msg.headers.append(("content-type", content_type or "application/sdp"))
    msg.body = body
    return msg


@dataclass
class Sdp:
    ip: str
    port: int
    payload_types: list[int]


def sdp_parse(body: bytes) -> Sdp:
    ip, port, pts = "", 0, []
    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith("c=IN IP4 "):
            ip = line.split()[2]
        elif line.startswith("m=audio "):
            fields = line.split()
            port = int(fields[1])
            pts = [int(p) for p in fields[3:] if p.isdigit()]
    if not ip or not port:
        raise SipParseError("SDP without audio address")
    return Sdp(ip, port, pts)


def sdp_build(ip: str, port: int, payload_types: list[int], session: int) -> bytes:
    names = {0: "PCMU/8000", 8: "PCMA/8000", 101: "telephone-event/8000"}
    lines = [
        "v=0",
        f"o=madoguchi {session} {session} IN IP4 {ip}",
        "s=madoguchi",
        f"c=IN IP4 {ip}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(str(p) for p in payload_types)}",
    ]
    lines += [f"a=rtpmap:{p} {names[p]}" for p in payload_types if p in names]
    if 101 in payload_types:
        lines.append("a=fmtp:101 0-15")
    lines.append("a=ptime:20")
    lines.append("a=sendrecv")
    return ("\r\n".join(lines) + "\r\n").encode()
