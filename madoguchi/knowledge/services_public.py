"""Writes of the public FAQ site: "was this helpful?" votes and weekly view counts.

Neither is audited: they are anonymous, hold no personal data (the session is a keyed
hash), and a busy day brings thousands of them, which would serialise every citizen
page on the audit chain's head row. What staff change in the knowledge base is audited
by ``knowledge.services``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.knowledge.errors import KnowledgeError
from madoguchi.knowledge.models import Faq, FaqView, FaqVote, ViewChannel
from madoguchi.knowledge.models_feedback import REASON_MAX_LENGTH, SPECIAL_CARE_MESSAGE
from madoguchi.knowledge.selectors_public import week_start_of
from madoguchi.pii import special_care_number


def session_hash(session_key: str) -> str:
    """A keyed hash of the session key: stable for one session, useless to anyone else."""
    if not session_key:
        raise KnowledgeError(_("セッションがありません。ページを読み込み直してください。"))
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, b"faq-session:" + session_key.encode(), hashlib.sha256).hexdigest()


def faq_vote_record(
    *,
    faq: Faq,
    session_key: str,
    helpful: bool,
    reason: str = "",
    language: str = "ja",
    at: datetime | None = None,
) -> FaqVote:
    """Record one "was this helpful?" answer; a second one from the same session for the
    same FAQ is refused (KnowledgeError), so a few clicks cannot move the statistics.

    The optional reason is free text from the public: My Number and card numbers are
    refused (CON-8) like everywhere else.
    """
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise KnowledgeError(
            _("理由は%(max)d文字以内で入力してください。") % {"max": REASON_MAX_LENGTH},
            field="reason",
        )
    if special_care_number(reason):
        raise KnowledgeError(
            SPECIAL_CARE_MESSAGE,
            field="reason",
        )
    key = session_hash(session_key)
    try:
        with transaction.atomic():
            return FaqVote.objects.create(
                faq=faq,
                session_hash=key,
                helpful=helpful,
                reason=reason,
                language=language,
                voted_at=at or timezone.now(),
            )
    except IntegrityError:
        raise KnowledgeError(
            _("このFAQにはすでに評価をいただいています。ありがとうございました。")
        ) from None


def faq_view_record(
    *,
    faq: Faq,
    session_key: str,
    channel: ViewChannel = ViewChannel.PUBLIC,
    at: datetime | None = None,
) -> bool:
    """Count a view of ``faq`` by this session in the ISO week of ``at`` (Asia/Tokyo).

    Returns True for the session's first view of the week on that channel, False for a
    repeat (which changes nothing). Staff views go to the staff channel and never into
    the public ranking.
    """
    at = at or timezone.now()
    _, created = FaqView.objects.get_or_create(
        faq=faq,
        week_start=week_start_of(at),
        channel=channel,
        session_hash=session_hash(session_key),
        defaults={"first_viewed_at": at},
    )
    return created
