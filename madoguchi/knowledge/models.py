"""FAQ knowledge base (FAQ-1..9): entries with texts per language, categories on several
axes, the editor → city approval → publication workflow with a full version history,
the operator-edited synonym dictionary, the weekly zero-hit / weak-hit search log and the
record of which FAQ answered which interaction.

Times are UTC; publication windows and ISO weeks are read in Asia/Tokyo by the selectors.
Nothing here holds personal data: search logs keep neither users nor sessions, and digits
in logged queries are masked before they are stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.append_only import AppendOnly
from madoguchi.tenancy.models import Language

# Attachments (FAQ-1): what an editor may attach, enforced by the services.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


_NAME_FIELDS = {"en": "name_en", "zh-hans": "name_zh_hans", "ko": "name_ko"}


class Axis(models.TextChoices):
    """The category axes of FAQ-1; an FAQ can sit in several categories of each."""

    DISTRICT = "district", _("地区")
    LIFE_EVENT = "life_event", _("ライフイベント")
    DEPARTMENT = "department", _("担当課")
    KEYWORD = "keyword", _("キーワード")


class Category(models.Model):
    """A node of one center's FAQ taxonomy on one axis, named in each public language.

    Japanese is required; an empty translation falls back to Japanese. A retired category
    is deactivated, not deleted, so old versions still name it.
    """

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="faq_categories"
    )
    axis = models.CharField(_("分類軸"), max_length=12, choices=Axis.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上位分類"),
    )
    slug = models.SlugField(_("識別子"), max_length=60)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("名称（英語）"), max_length=100, blank=True)
    name_zh_hans = models.CharField(_("名称（中国語）"), max_length=100, blank=True)
    name_ko = models.CharField(_("名称（韓国語）"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        verbose_name = _("FAQ分類")
        verbose_name_plural = _("FAQ分類")
        ordering = ["center", "axis", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "axis", "slug"], name="faqcategory_unique_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        """The name in ``language`` (a tenancy ``Language`` value), else the Japanese one."""
        field = _NAME_FIELDS.get(str(language))
        translated: str = getattr(self, field) if field else ""
        return translated or self.name


class FaqStatus(models.TextChoices):
    """FAQ-2 workflow: draft → awaiting city approval → published → archived."""

    DRAFT = "draft", _("下書き")
    AWAITING_APPROVAL = "awaiting_approval", _("市の承認待ち")
    PUBLISHED = "published", _("公開中")
    ARCHIVED = "archived", _("アーカイブ")


class Faq(models.Model):
    """One FAQ entry of a center (FAQ-1); the texts live in ``FaqText`` per language.

    ``code`` is the FAQ-ID shown to staff and used by the CSV round trip; it is unique in
    the center. A published FAQ is shown on the public site only when ``is_public`` and
    inside its publication window; operators see published internal FAQs too.
    ``version`` is the number of the latest ``FaqVersion``.
    """

    center = models.ForeignKey("tenancy.Center", on_delete=models.PROTECT, related_name="faqs")
    code = models.CharField(_("FAQ-ID"), max_length=30)
    department = models.ForeignKey(
        "tenancy.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faqs",
        verbose_name=_("所管課"),
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="faqs", verbose_name=_("分類")
    )
    related = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+", verbose_name=_("関連FAQ")
    )
    is_public = models.BooleanField(_("公開サイトに掲載"), default=True)
    publish_start = models.DateTimeField(_("公開開始"), null=True, blank=True)
    publish_end = models.DateTimeField(_("公開終了"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=20, choices=FaqStatus.choices, default=FaqStatus.DRAFT
    )
    review_due = models.DateField(_("次回見直し期限"), null=True, blank=True, db_index=True)
    reviewed_at = models.DateTimeField(_("最終見直し"), null=True, blank=True)
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作成者"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新者"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQ")
        ordering = ["center", "code"]
        indexes = [
            models.Index(fields=["center", "status"], name="faq_center_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="faq_unique_code"),
            models.CheckConstraint(
                condition=Q(publish_start__isnull=True)
                | Q(publish_end__isnull=True)
                | Q(publish_end__gt=models.F("publish_start")),
                name="faq_publish_window_order",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class FaqText(models.Model):
    """Question, answer and operator search keywords of an FAQ in one language.

    Japanese is required (enforced by the services). ``terms`` holds the analysed
    document (``search.analyze_document``), computed by the service on save;
    ``embedding`` is computed by the worker afterwards and is valid only while
    ``embedding_source`` still equals the hash of the current text.
    """

    faq = models.ForeignKey(Faq, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("言語"), max_length=8, choices=Language.choices)
    question = models.TextField(_("質問"))
    answer = models.TextField(_("回答"))
    keywords = models.TextField(
        _("検索キーワード"),
        blank=True,
        help_text=_("言い換えや検索語を改行区切りで入力します（オペレーター検索用）。"),
    )
    terms = models.JSONField(_("索引語"), default=dict, blank=True)
    embedding = models.BinaryField(_("埋め込みベクトル"), null=True, blank=True)
    embedding_model = models.CharField(_("埋め込みモデル"), max_length=80, blank=True)
    embedding_source = models.CharField(_("埋め込み元の要約値"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("FAQ本文")
        verbose_name_plural = _("FAQ本文")
        ordering = ["faq", "language"]
        constraints = [
            models.UniqueConstraint(fields=["faq", "language"], name="faqtext_one_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.faq_id} {self.language}"


class FaqLink(models.Model):
    """A related URL of an FAQ (FAQ-1), e.g. the city's page with the form."""

    faq = models.ForeignKey(Faq, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(_("URL"), max_length=500)
    title = models.CharField(_("表示名"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("関連URL")
        verbose_name_plural = _("関連URL")
        ordering = ["faq", "order", "id"]

    def __str__(self) -> str:
        return self.title or self.url


def _attachment_path(instance: FaqAttachment, filename: str) -> str:
    return f"faq/{instance.faq.center_id}/{instance.faq_id}/{filename}"


class FaqAttachment(models.Model):
    """A file attached to an FAQ, stored through Django storage; type and size are checked
    by the services against ``ATTACHMENT_CONTENT_TYPES`` and ``ATTACHMENT_MAX_BYTES``."""

    faq = models.ForeignKey(Faq, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("ファイル"), upload_to=_attachment_path, max_length=300)
    title = models.CharField(_("表示名"), max_length=200)
    content_type = models.CharField(_("形式"), max_length=120)
    size = models.PositiveIntegerField(_("サイズ（バイト）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["faq", "id"]

    def __str__(self) -> str:
        return self.title


class FaqVersion(AppendOnly, models.Model):
    """Append-only full snapshot of an FAQ after each change (FAQ-2), for history + diff."""

    append_only_name = "FAQ versions"

    faq = models.ForeignKey(Faq, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    snapshot = models.JSONField(_("内容"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("変更者"),
    )
    comment = models.CharField(_("変更内容"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("変更日時"))

    class Meta:
        verbose_name = _("FAQの版")
        verbose_name_plural = _("FAQの版")
        ordering = ["faq", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["faq", "number"], name="faqversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.faq_id} v{self.number}"


class ApprovalDecision(models.TextChoices):
    PENDING = "pending", _("承認待ち")
    APPROVED = "approved", _("承認")
    REJECTED = "rejected", _("差戻し")


class FaqApproval(models.Model):
    """City approval of one version (FAQ-2): who asked, who decided, when, and why."""

    faq = models.ForeignKey(Faq, on_delete=models.CASCADE, related_name="approvals")
    version = models.ForeignKey(
        FaqVersion, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("版")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("申請者"),
    )
    requested_at = models.DateTimeField(_("申請日時"))
    decision = models.CharField(
        _("結果"),
        max_length=10,
        choices=ApprovalDecision.choices,
        default=ApprovalDecision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認者"),
    )
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    comment = models.TextField(_("コメント"), blank=True)

    class Meta:
        verbose_name = _("市の承認")
        verbose_name_plural = _("市の承認")
        ordering = ["faq", "-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["faq"],
                condition=Q(decision="pending"),
                name="faqapproval_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.faq_id} {self.decision}"


class Synonym(models.Model):
    """An entry of the center's synonym dictionary, expanded at query time (e.g.
    国保 → 国民健康保険). Edited by operators and FAQ editors; inactive rows are kept so a
    removal is visible in the history."""

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="faq_synonyms"
    )
    term = models.CharField(_("語"), max_length=100)
    alternatives = models.JSONField(_("言い換え"), default=list)
    is_active = models.BooleanField(_("使用中"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("同義語")
        verbose_name_plural = _("同義語")
        ordering = ["center", "term"]
        constraints = [
            models.UniqueConstraint(fields=["center", "term"], name="synonym_unique_term"),
        ]

    def __str__(self) -> str:
        return f"{self.term} = {'/'.join(self.alternatives)}"


class SearchChannel(models.TextChoices):
    PUBLIC = "public", _("公開サイト")
    STAFF = "staff", _("オペレーター")


class SearchLog(models.Model):
    """One query text per center, ISO week (Monday, Asia/Tokyo), language and channel,
    with how often it was searched (FAQ-8 zero-hit / weak-hit report).

    No user, session or address is kept; digits are masked (``#``) before storing, so
    phone numbers and My Numbers never reach this table. ``strict_hit`` and
    ``had_results`` describe the latest search of the week, so adding a synonym or an
    FAQ takes the query off the report the next time someone asks it.
    """

    center = models.ForeignKey(
        "tenancy.Center", on_delete=models.CASCADE, related_name="faq_search_logs"
    )
    week_start = models.DateField(_("週（月曜日）"))
    language = models.CharField(_("言語"), max_length=8, choices=Language.choices)
    channel = models.CharField(_("経路"), max_length=8, choices=SearchChannel.choices)
    query = models.CharField(_("検索語"), max_length=200)
    count = models.PositiveIntegerField(_("件数"), default=0)
    strict_hit = models.BooleanField(_("確かな一致あり"), default=False)
    had_results = models.BooleanField(_("結果あり"), default=False)
    last_searched_at = models.DateTimeField(_("最終検索日時"))

    class Meta:
        verbose_name = _("検索ログ")
        verbose_name_plural = _("検索ログ")
        ordering = ["center", "-week_start", "-count"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "week_start", "language", "channel", "query"],
                name="searchlog_unique_query_per_week",
            ),
        ]
        indexes = [
            models.Index(
                fields=["center", "week_start", "strict_hit"], name="searchlog_week_strict"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.week_start} {self.query} ×{self.count}"


class FaqUse(models.Model):
    """An FAQ used to answer an interaction (FAQ-4 use counts); once per pair."""

    faq = models.ForeignKey(Faq, on_delete=models.CASCADE, related_name="uses")
    interaction = models.ForeignKey(
        "interactions.Interaction", on_delete=models.CASCADE, related_name="faq_uses"
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    used_at = models.DateTimeField(_("使用日時"))

    class Meta:
        verbose_name = _("FAQ使用")
        verbose_name_plural = _("FAQ使用")
        ordering = ["-used_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["faq", "interaction"], name="faquse_once_per_pair"),
        ]
        indexes = [
            models.Index(fields=["faq", "used_at"], name="faquse_faq_used_at"),
        ]

    def __str__(self) -> str:
        return f"{self.faq_id} → {self.interaction_id}"


# Votes and weekly views of the public FAQ site live in their own module (one file per
# concern, edited by the public-site work); Django finds models through this module.
from madoguchi.knowledge.models_feedback import (  # noqa: E402
    FaqView as FaqView,
)
from madoguchi.knowledge.models_feedback import (  # noqa: E402
    FaqVote as FaqVote,
)
from madoguchi.knowledge.models_feedback import (  # noqa: E402
    ViewChannel as ViewChannel,
)
