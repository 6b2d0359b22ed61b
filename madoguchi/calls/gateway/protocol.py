"""The gateway protocol: commands the domain gives, events a gateway reports (TEL-12).

The domain decides and a gateway executes: the SIP gateway (Kamailio + media worker)
and the simulator implement the same protocol, and the domain imports no SIP library.
Times are seconds on the gateway's clock (``float``); the engine turns them into
datetimes through the clock it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# --- commands: domain → gateway ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    call_id: str


@dataclass(frozen=True, slots=True)
class Play:
    call_id: str
    announcement: str  # AnnouncementKind value
    language: str = "ja"


@dataclass(frozen=True, slots=True)
class Record:
    call_id: str


@dataclass(frozen=True, slots=True)
class Enqueue:
    """Hold the caller with waiting announcements; report QueueTimeout after max_wait_s."""

    call_id: str
    queue_id: int
    max_wait_s: float | None


@dataclass(frozen=True, slots=True)
class OfferToAgent:
    """Ring the agent; report AgentConnected, or AgentNoAnswer after ring_timeout_s."""

    call_id: str
    agent_id: int
    ring_timeout_s: float


@dataclass(frozen=True, slots=True)
class Transfer:
    call_id: str
    target_kind: str  # "extension" | "external"
    target: str
    department: str = ""


@dataclass(frozen=True, slots=True)
class Forward:
    call_id: str
    number: str


@dataclass(frozen=True, slots=True)
class HangUp:
    call_id: str
    reason: str  # "busy", "after_hours", "congestion", "unknown_number", "normal"


@dataclass(frozen=True, slots=True)
class StartVoicemail:
    call_id: str


Command = (
    Answer | Play | Record | Enqueue | OfferToAgent | Transfer | Forward | HangUp | StartVoicemail
)

# --- events: gateway → domain --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallArrived:
    call_id: str
    at: float
    dialed: str  # E.164
    caller: str = ""  # E.164, empty when withheld (非通知)
    language: str = "ja"


@dataclass(frozen=True, slots=True)
class AgentConnected:
    call_id: str
    agent_id: int
    at: float


@dataclass(frozen=True, slots=True)
class AgentNoAnswer:
    call_id: str
    agent_id: int
    at: float


@dataclass(frozen=True, slots=True)
class QueueTimeout:
    call_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Abandoned:
    """The caller hung up before reaching an agent."""

    call_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Ended:
    """The conversation (or the voicemail, or a forwarded leg) ended."""

    call_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Dtmf:
    call_id: str
    at: float
    digits: str


@dataclass(frozen=True, slots=True)
class TransferResult:
    call_id: str
    at: float
    ok: bool
    detail: str = ""


Event = (
    CallArrived
    | AgentConnected
    | AgentNoAnswer
    | QueueTimeout
    | Abandoned
    | Ended
    | Dtmf
    | TransferResult
)


class Gateway(Protocol):
    """Something that carries out commands on real or simulated calls."""

    def execute(self, commands: list[Command]) -> None: ...


@dataclass
class CommandLog:
    """A gateway that only remembers what it was told (tests and dry runs)."""

    commands: list[Command] = field(default_factory=list)

    def execute(self, commands: list[Command]) -> None:
        self.commands.extend(commands)
