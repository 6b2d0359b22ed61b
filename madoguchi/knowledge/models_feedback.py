"""Citizen feedback on FAQs (FAQ-4, FAQ-5): "was this helpful?" votes and weekly views.

Nothing here identifies a person: a browser session is kept only as a keyed hash
(HMAC-SHA-256 with the installation's secret), which is enough to allow one vote per
session per FAQ and to count distinct sessions per week, and cannot be turned back into
the session cookie. The models are imported into ``knowledge.models``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ViewChannel(models.TextChoices):
    """Who looked: citizens on the public site, or staff (logged-in users, operator pane).

    Staff views are counted apart and never enter the public ranking (research note
    faq.md §5.7), or operators looking things up would decide what citizens see first.
    """

    PUBLIC = "public", _("公開サイト")
    STAFF = "staff", _("職員")


REASON_MAX_LENGTH = 500
# The public site's own wording of the CON-8 refusal, translated with the FAQ pages.
SPECIAL_CARE_MESSAGE = _(
    "個人番号（マイナンバー）やカード番号と思われる番号は送信できません。"
    "番号を削除してから送信してください。"
)


class FaqVote(models.Model):
    """One "was this helpful?" answer: one per session per FAQ (the unique constraint)."""

    faq = models.ForeignKey("knowledge.Faq", on_delete=models.CASCADE, related_name="votes")
    session_hash = models.CharField(_("セッション（ハッシュ）"), max_length=64)
    helpful = models.BooleanField(_("役に立った"))
    reason = models.CharField(_("理由"), max_length=REASON_MAX_LENGTH, blank=True)
    language = models.CharField(_("言語"), max_length=8)
    voted_at = models.DateTimeField(_("評価日時"))

    class Meta:
        verbose_name = _("FAQ評価")
        verbose_name_plural = _("FAQ評価")
        ordering = ["-voted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["faq", "session_hash"], name="faqvote_one_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.faq_id} {'+' if self.helpful else '-'}"


class FaqView(models.Model):
    """A session looked at an FAQ in an ISO week (Monday, Asia/Tokyo) on a channel.

    One row per (FAQ, week, channel, session): the weekly ranking counts rows, which are
    distinct-session views by construction; reloading a page changes nothing.
    """

    faq = models.ForeignKey("knowledge.Faq", on_delete=models.CASCADE, related_name="views")
    week_start = models.DateField(_("週（月曜日）"))
    channel = models.CharField(_("経路"), max_length=8, choices=ViewChannel.choices)
    session_hash = models.CharField(_("セッション（ハッシュ）"), max_length=64)
    first_viewed_at = models.DateTimeField(_("初回閲覧日時"))

    class Meta:
        verbose_name = _("FAQ閲覧")
        verbose_name_plural = _("FAQ閲覧")
        ordering = ["-week_start", "faq"]
        constraints = [
            models.UniqueConstraint(
                fields=["faq", "week_start", "channel", "session_hash"],
                name="faqview_once_per_session_week",
            ),
        ]
        indexes = [
            models.Index(fields=["week_start", "channel", "faq"], name="faqview_week_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.faq_id} {self.week_start} {self.channel}"
