"""G.711 (A-law, μ-law) without ``audioop`` (deprecated in 3.11, removed in 3.13)."""

from __future__ import annotations

import io
import struct
import wave
from array import array

PCMU = 0
PCMA = 8
SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms
FRAME_S = 0.02


def _alaw_decode(byte: int) -> int:
    a = byte ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


def _ulaw_decode(byte: int) -> int:
    u = ~byte & 0xFF
    t = ((u & 0x0F) << 3) + 0x84
    t <<= (u & 0x70) >> 4
    return (0x84 - t) if u & 0x80 else (t - 0x84)


_SEG_END = (0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF)


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for i, end in enumerate(ends):
        if value <= end:
            return i
    return len(ends)


def alaw_encode_sample(sample: int) -> int:
    pcm = sample >> 3
    if pcm >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        pcm = -pcm - 1
    seg = _segment(pcm, (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF))
    if seg >= 8:
        return 0x7F ^ mask
    aval = seg << 4
    aval |= (pcm >> 1) & 0x0F if seg < 2 else (pcm >> seg) & 0x0F
    return aval ^ mask


def ulaw_encode_sample(sample: int) -> int:
    pcm = sample >> 2
    if pcm < 0:
        pcm = -pcm
        mask = 0x7F
    else:
        mask = 0xFF
    pcm = min(pcm, 8159) + 0x21
    seg = _segment(pcm, (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF))
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0F)) ^ mask


ALAW_TO_LIN = [_alaw_decode(b) for b in range(256)]
ULAW_TO_LIN = [_ulaw_decode(b) for b in range(256)]
# Two bytes of little-endian PCM per code: b"".join(map(table.__getitem__, payload)).
_ALAW_PCM = [struct.pack("<h", v) for v in ALAW_TO_LIN]
_ULAW_PCM = [struct.pack("<h", v) for v in ULAW_TO_LIN]
ALAW_TO_ULAW = bytes(ulaw_encode_sample(v) for v in ALAW_TO_LIN)
ULAW_TO_ALAW = bytes(alaw_encode_sample(v) for v in ULAW_TO_LIN)

SILENCE = {PCMA: bytes([0xD5]) * FRAME_SAMPLES, PCMU: bytes([0xFF]) * FRAME_SAMPLES}


def decode(payload: bytes, pt: int) -> bytes:
    """G.711 payload → 16-bit little-endian PCM."""
    table = _ALAW_PCM if pt == PCMA else _ULAW_PCM
    return b"".join(map(table.__getitem__, payload))


def encode(pcm: bytes, pt: int) -> bytes:
    """16-bit little-endian PCM → G.711 payload."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    enc = alaw_encode_sample if pt == PCMA else ulaw_encode_sample
    return bytes(enc(s) for s in samples)


def transcode(payload: bytes, src: int, dst: int) -> bytes:
    if src == dst:
        return payload
    return payload.translate(ALAW_TO_ULAW if src == PCMA else ULAW_TO_ALAW)


def read_wav_8k(data: bytes) -> bytes:
    """The PCM of an 8 kHz mono 16-bit WAV (prompts are converted to that when cached)."""
    with wave.open(io.BytesIO(data), "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (SAMPLE_RATE, 1, 2):
            raise ValueError("prompt must be 8 kHz mono 16-bit PCM WAV")
        return w.readframes(w.getnframes())


def write_wav(channels: list[bytes]) -> bytes:
    """Mono or stereo 8 kHz 16-bit WAV from one PCM buffer per channel (padded to equal)."""
    n = max((len(c) for c in channels), default=0)
    padded = [c + b"\0" * (n - len(c)) for c in channels]
    if len(padded) == 1:
        frames = padded[0]
    else:
        left, right = array("h"), array("h")
        left.frombytes(padded[0])
        right.frombytes(padded[1])
        both = array("h", bytes(2 * n))
        both[0::2] = left
        both[1::2] = right
        frames = both.tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(len(padded))
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(frames)
    return out.getvalue()
