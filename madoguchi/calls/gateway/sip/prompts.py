"""Announcements as 8 kHz mono 16-bit WAV, cached on disk by content.

Source, in order: the city's own recording (``Announcement.audio``, converted with sox);
else the announcement's text (or the default wording) spoken offline — by pyopenjtalk
(``pyopenjtalk-plus``) for Japanese when it is installed, else by espeak-ng (Debian; all
four languages, robotic but always available). See docs/telephony.md for the voices'
licences.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import tempfile
import wave

from madoguchi.calls.gateway.sip import codec
from madoguchi.calls.models import Announcement
from madoguchi.calls.services import announcement_default_text
from madoguchi.tenancy.models import Center

ESPEAK_VOICES = {"ja": "ja", "en": "en", "zh-hans": "cmn", "ko": "ko"}


class PromptError(RuntimeError):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PromptError(f"{name} is missing: run scripts/ensure-telephony.sh")
    return path


def _sox_to_8k(src: str, dst: str) -> None:
    tmp = dst + ".tmp.wav"
    subprocess.run(  # noqa: S603 (fixed argv)
        [_tool("sox"), src, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tmp],
        check=True,
        capture_output=True,
        timeout=60,
    )
    os.replace(tmp, dst)


def _speak(text: str, language: str, out: str) -> str:
    """Write speech for ``text`` to ``out`` (any WAV); returns the engine used."""
    if language == "ja":
        try:
            pyopenjtalk = importlib.import_module("pyopenjtalk")
        except ImportError:
            pyopenjtalk = None
        if pyopenjtalk is not None:
            samples, rate = pyopenjtalk.tts(text)
            with wave.open(out, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(int(rate))
                w.writeframes(samples.clip(-32768, 32767).astype("<i2").tobytes())
            return "pyopenjtalk"
    if shutil.which("espeak-ng") is None:
        raise PromptError("no speech engine: install espeak-ng (scripts/ensure-telephony.sh)")
    subprocess.run(  # noqa: S603 (fixed argv; text is an argument, not a shell string)
        [_tool("espeak-ng"), "-v", ESPEAK_VOICES.get(language, "ja"), "-w", out, text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return "espeak-ng"


class PromptCache:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.memory: dict[str, bytes] = {}

    def pcm(self, *, center_id: int, kind: str, language: str) -> bytes:
        """16-bit 8 kHz PCM of the announcement (cached)."""
        center = Center.objects.get(pk=center_id)
        row = Announcement.objects.filter(center=center, kind=kind, language=language).first()
        if row is not None and row.audio:
            with row.audio.open("rb") as f:
                data = f.read()
            key = "audio-" + hashlib.sha256(data).hexdigest()
            return self._cached(key, lambda path: self._from_audio(data, path))
        text = row.text if row is not None else ""
        text = text or announcement_default_text(center=center, kind=kind, language=language)
        if not text:
            return b""
        key = "tts-" + hashlib.sha256(f"{language}\0{text}".encode()).hexdigest()
        return self._cached(key, lambda path: self._from_text(text, language, path))

    def _cached(self, key: str, make: object) -> bytes:
        if key in self.memory:
            return self.memory[key]
        path = os.path.join(self.directory, key + ".wav")
        if not os.path.exists(path):
            assert callable(make)  # noqa: S101
            make(path)
        with open(path, "rb") as f:
            pcm = codec.read_wav_8k(f.read())
        self.memory[key] = pcm
        return pcm

    def _from_audio(self, data: bytes, path: str) -> None:
        with tempfile.NamedTemporaryFile(suffix=".wav") as src:
            src.write(data)
            src.flush()
            _sox_to_8k(src.name, path)

    def _from_text(self, text: str, language: str, path: str) -> None:
        with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
            _speak(text, language, raw.name)
            _sox_to_8k(raw.name, path)
