"""Real mail servers for the inbox tests, started by the tests on free loopback ports.

* ``smtp_sink``: aiosmtpd (PyPI) in a thread of the test process; Django's SMTP backend
  is pointed at it, and every message it receives is kept, parsed, in ``.messages``.
* ``dovecot``: Debian's Dovecot (``scripts/ensure-mail.sh`` installs it) with a
  throwaway configuration, passwd-file user and maildir in a temporary directory, run
  in the foreground as a child process and stopped after the test. As root, mail is
  owned by the unprivileged ``madoguchi-mail`` user (created when missing, as
  scripts/with-postgres.sh does for PostgreSQL); otherwise everything runs as the
  current user. Missing Dovecot fails the test with a clear message: never a skip.

Import both into a test module: ``from madoguchi.inbox.tests.mailservers import
dovecot_fixture, smtp_sink_fixture  # noqa: F401``; the fixtures are named ``dovecot``
and ``smtp_sink`` (the suffix keeps ruff's F811 quiet, as in testing/browser.py).
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

DOVECOT = Path("/usr/sbin/dovecot")
MAIL_USER = "madoguchi-mail"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


@pytest.fixture(name="smtp_sink")
def smtp_sink_fixture(settings: Any) -> Iterator[SmtpSink]:
    port = free_port()
    sink = SmtpSink(host="127.0.0.1", port=port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "center@madoguchi.example.jp"
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class Dovecot:
    port: int
    user: str
    password: str
    workdir: Path

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a mail the way a client stores one: IMAP APPEND."""
        client = self.client()
        try:
            status, data = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", data
        finally:
            client.logout()


CONFIG = """\
base_dir = {work}/run
state_dir = {work}/state
log_path = {work}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{work}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {work}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {work}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""


def _require_dovecot() -> None:
    if not DOVECOT.exists():
        pytest.fail(
            "Dovecot is not installed: run `bash scripts/ensure-mail.sh` "
            "(apt-get install dovecot-imapd; the system service is not started).",
            pytrace=False,
        )


def _mail_owner() -> tuple[int, int, str, str]:
    """(uid, gid, internal user, login user) the throwaway Dovecot runs with."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid())
        return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
    try:
        owner = pwd.getpwnam(MAIL_USER)
    except KeyError:
        subprocess.run(  # noqa: S603
            [
                "/usr/sbin/useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                MAIL_USER,
            ],
            check=True,
        )
        owner = pwd.getpwnam(MAIL_USER)
    internal = "dovecot" if _user_exists("dovecot") else MAIL_USER
    login = "dovenull" if _user_exists("dovenull") else MAIL_USER
    return owner.pw_uid, owner.pw_gid, internal, login


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(name="dovecot")
def dovecot_fixture() -> Iterator[Dovecot]:
    _require_dovecot()
    uid, gid, internal, login = _mail_owner()
    work = Path(tempfile.mkdtemp(prefix="madoguchi-dovecot-"))
    port = free_port()
    user, password = "citizen-desk", "imap-test-password"
    (work / "mail").mkdir()
    (work / "passwd").write_text(f"{user}:{{PLAIN}}{password}:{uid}:{gid}::{work}/mail/{user}::\n")
    internal_group = pwd.getpwnam(internal).pw_gid
    import grp

    (work / "dovecot.conf").write_text(
        CONFIG.format(
            work=work,
            port=port,
            internal=internal,
            internal_group=grp.getgrgid(internal_group).gr_name,
            login=login,
        )
    )
    os.chmod(work, 0o755)  # noqa: S103  (the Dovecot users must traverse it)
    os.chown(work / "mail", uid, gid)
    process = subprocess.Popen(  # noqa: S603
        [str(DOVECOT), "-F", "-c", str(work / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    log = (
                        (work / "dovecot.log").read_text()
                        if (work / "dovecot.log").exists()
                        else ""
                    )
                    pytest.fail(f"Dovecot did not start:\n{output}\n{log}", pytrace=False)
                time.sleep(0.1)
        yield Dovecot(port=port, user=user, password=password, workdir=work)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(work, ignore_errors=True)
