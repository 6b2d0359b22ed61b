"""Console screens of the FAQ base (mounted at /console/faq/), Japanese only.

Each view checks one declared right with ``console_view`` and calls one service; the
services check the finer rights again (editor vs city approver), so a button shown by
mistake still cannot do what the matrix does not allow.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from madoguchi.accounts.permissions import Action, actions_for
from madoguchi.console.access import console_view
from madoguchi.console.forms import keep_error
from madoguchi.interactions.models import Interaction
from madoguchi.knowledge import csvio, selectors, services
from madoguchi.knowledge.content import snapshot_diff
from madoguchi.knowledge.errors import KnowledgeError
from madoguchi.knowledge.forms import (
    AttachmentForm,
    CategoryForm,
    DecisionForm,
    FaqFilterForm,
    FaqForm,
    ImportForm,
    SynonymForm,
    monday,
    service_field,
)
from madoguchi.knowledge.models import (
    ApprovalDecision,
    Faq,
    FaqAttachment,
    SearchChannel,
    Synonym,
)
from madoguchi.knowledge.models_feedback import ViewChannel
from madoguchi.knowledge.services_public import faq_view_record
from madoguchi.tenancy.models import Center

SESSION_IMPORT = "knowledge_import"
IMPORT_DIR = "faq-imports"


def _center(request: HttpRequest) -> Center:
    center = request.center  # type: ignore[attr-defined]
    if center is None:
        raise Http404
    return center  # type: ignore[no-any-return]


def _faq(request: HttpRequest, code: str) -> Faq:
    return get_object_or_404(Faq, center=_center(request), code=code)


def _rights(request: HttpRequest) -> dict[str, bool]:
    allowed = actions_for(request.user, request.center)  # type: ignore[attr-defined]
    return {
        "can_edit": Action.FAQ_EDIT in allowed,
        "can_publish": Action.FAQ_PUBLISH in allowed,
        "can_approve": Action.FAQ_APPROVE in allowed,
        "can_edit_synonyms": Action.FAQ_EDIT in allowed or Action.INTERACTION_CREATE in allowed,
    }


# --- list, detail, edit -----------------------------------------------------------------


@console_view(Action.FAQ_VIEW)
def faq_list(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    form = FaqFilterForm(request.GET or None, center=center)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "text": data["q"] or "",
            "status": data["status"] or "",
            "category": data["category"],
            "department_id": data["department"].pk if data["department"] else None,
        }
    page = Paginator(selectors.faq_list(center=center, **filters), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "counts": {
            "awaiting": selectors.awaiting_approval(center=center).count(),
            "overdue": selectors.overdue_reviews(center=center).count(),
        },
        **_rights(request),
    }
    return render(request, "knowledge/console/faq_list.html", context)


@console_view(Action.FAQ_EDIT)
def faq_create(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    if request.method == "POST":
        form = FaqForm(request.POST, center=center)
        if form.is_valid():
            try:
                faq = services.faq_create(
                    actor=request.user,
                    center=center,
                    code=form.cleaned_data["code"],
                    content=form.content(),
                    comment=form.cleaned_data["comment"],
                )
            except KnowledgeError as exc:
                exc.field = service_field(exc.field)
                keep_error(form, exc)
            else:
                messages.success(request, f"FAQ {faq.code} を下書きとして作成しました。")
                return redirect("console:knowledge_console:detail", code=faq.code)
        return render(request, "knowledge/console/faq_form.html", {"form": form}, status=400)
    initial = {"question_ja": request.GET.get("question", "")[:500]}
    form = FaqForm(initial=initial, center=center)
    return render(request, "knowledge/console/faq_form.html", {"form": form})


@console_view(Action.FAQ_EDIT)
def faq_edit(request: HttpRequest, code: str) -> HttpResponse:
    faq = _faq(request, code)
    if request.method == "POST":
        form = FaqForm(request.POST, center=faq.center, faq=faq, initial={"code": faq.code})
        if form.is_valid():
            before = faq.version
            try:
                faq = services.faq_update(
                    actor=request.user,
                    faq=faq,
                    content=form.content(),
                    comment=form.cleaned_data["comment"],
                )
            except KnowledgeError as exc:
                exc.field = service_field(exc.field)
                keep_error(form, exc)
            else:
                if faq.version == before:
                    messages.info(request, "変更はありませんでした。")
                else:
                    messages.success(request, f"第{faq.version}版として保存しました。")
                return redirect("console:knowledge_console:detail", code=faq.code)
        context = {"form": form, "faq": faq}
        return render(request, "knowledge/console/faq_form.html", context, status=400)
    form = FaqForm(initial=FaqForm.initial_for(faq), center=faq.center, faq=faq)
    return render(request, "knowledge/console/faq_form.html", {"form": form, "faq": faq})


def _detail(request: HttpRequest, faq: Faq, *, status: int = 200, **forms: Any) -> HttpResponse:
    faq = (
        Faq.objects.select_related("department", "center")
        .prefetch_related("texts", "categories", "links", "attachments", "related__texts")
        .get(pk=faq.pk)
    )
    approvals = list(faq.approvals.select_related("version", "requested_by", "decided_by"))
    context = {
        "faq": faq,
        "texts": sorted(
            faq.texts.all(), key=lambda t: ["ja", "en", "zh-hans", "ko"].index(t.language)
        ),
        "approvals": approvals,
        "pending": next((a for a in approvals if a.decision == ApprovalDecision.PENDING), None),
        "approved": services.approved_for_publication(faq),
        "use_count": faq.uses.count(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "overdue": faq.review_due is not None and faq.review_due <= timezone.localdate(),
        **_rights(request),
    }
    return render(request, "knowledge/console/faq_detail.html", context, status=status)


@console_view(Action.FAQ_VIEW)
def faq_detail(request: HttpRequest, code: str) -> HttpResponse:
    faq = _faq(request, code)
    _count_staff_view(request, faq)
    return _detail(request, faq)


TRANSITIONS = {
    "submit": "市の承認に回しました。",
    "approve": "承認しました。",
    "reject": "差し戻しました。",
    "publish": "公開しました。",
    "archive": "アーカイブしました。",
    "review": "見直しを記録しました。次回期限は1年後です。",
    "delete": "削除しました。",
}


@require_POST
@console_view(Action.FAQ_VIEW)
def faq_transition(request: HttpRequest, code: str, step: str) -> HttpResponse:
    """One workflow step; the service checks the right (editor, publisher, city)."""
    faq = _faq(request, code)
    if step not in TRANSITIONS:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, faq, status=400, decision_form=form)
    comment = form.cleaned_data["comment"]
    actor = request.user
    try:
        if step == "submit":
            services.faq_submit(actor=actor, faq=faq, comment=comment)
        elif step == "approve":
            services.faq_approve(actor=actor, faq=faq, comment=comment)
        elif step == "reject":
            services.faq_reject(actor=actor, faq=faq, comment=comment)
        elif step == "publish":
            services.faq_publish(actor=actor, faq=faq)
        elif step == "archive":
            services.faq_archive(actor=actor, faq=faq)
        elif step == "review":
            services.faq_mark_reviewed(actor=actor, faq=faq)
        else:
            services.faq_delete(actor=actor, faq=faq)
            messages.success(request, f"FAQ {code} を{TRANSITIONS[step]}")
            return redirect("console:knowledge_console:list")
    except KnowledgeError as exc:
        keep_error(form, exc)
        return _detail(request, faq, status=400, decision_form=form)
    messages.success(request, f"FAQ {code} を{TRANSITIONS[step]}")
    return redirect("console:knowledge_console:detail", code=code)


@require_POST
@console_view(Action.FAQ_EDIT)
def attachment_add(request: HttpRequest, code: str) -> HttpResponse:
    faq = _faq(request, code)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.faq_attachment_add(
                actor=request.user,
                faq=faq,
                upload=form.cleaned_data["attachment"],
                title=form.cleaned_data["title"],
            )
        except KnowledgeError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, "添付ファイルを追加しました。")
            return redirect("console:knowledge_console:detail", code=code)
    return _detail(request, faq, status=400, attachment_form=form)


@require_POST
@console_view(Action.FAQ_EDIT)
def attachment_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    faq = _faq(request, code)
    attachment = get_object_or_404(FaqAttachment, faq=faq, pk=pk)
    try:
        services.faq_attachment_remove(actor=request.user, attachment=attachment)
    except KnowledgeError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, "添付ファイルを削除しました。")
    return redirect("console:knowledge_console:detail", code=code)


@console_view(Action.FAQ_VIEW)
def faq_history(request: HttpRequest, code: str) -> HttpResponse:
    """Every version, and a side-by-side diff of two of them (default: the last two)."""
    faq = _faq(request, code)
    versions = list(selectors.faq_versions(faq))
    by_number = {v.number: v for v in versions}

    def pick(name: str, default: int) -> int:
        try:
            return int(request.GET.get(name, default))
        except ValueError:
            return default

    newest = versions[0].number if versions else 0
    right = by_number.get(pick("b", newest))
    left = by_number.get(pick("a", (right.number - 1) if right else 0))
    diff = snapshot_diff(left.snapshot if left else {}, right.snapshot) if right else []
    context = {"faq": faq, "versions": versions, "left": left, "right": right, "diff": diff}
    return render(request, "knowledge/console/faq_history.html", context)


# --- lists for the workflow ---------------------------------------------------------------


@console_view(Action.FAQ_APPROVE)
def approvals(request: HttpRequest) -> HttpResponse:
    """The city's queue: FAQs awaiting approval, with what changed since the last
    published (approved) version."""
    center = _center(request)
    rows = []
    for faq in selectors.awaiting_approval(center=center):
        pending = next(
            (a for a in faq.approvals.all() if a.decision == ApprovalDecision.PENDING), None
        )
        previous = (
            faq.approvals.filter(decision=ApprovalDecision.APPROVED)
            .select_related("version")
            .order_by("-decided_at")
            .first()
        )
        current = faq.versions.order_by("-number").first()
        diff = (
            snapshot_diff(previous.version.snapshot if previous else {}, current.snapshot)
            if current
            else []
        )
        rows.append({"faq": faq, "pending": pending, "diff": diff, "first": previous is None})
    return render(
        request, "knowledge/console/approvals.html", {"rows": rows, "form": DecisionForm()}
    )


@console_view(Action.FAQ_VIEW)
def overdue(request: HttpRequest) -> HttpResponse:
    faqs = selectors.overdue_reviews(center=_center(request))
    return render(request, "knowledge/console/overdue.html", {"faqs": faqs, **_rights(request)})


# --- synonyms and the search report -------------------------------------------------------


def _synonym_page(
    request: HttpRequest, form: SynonymForm | None = None, status: int = 200
) -> HttpResponse:
    center = _center(request)
    context = {
        "synonyms": Synonym.objects.filter(center=center).order_by("-is_active", "term"),
        "form": form or SynonymForm(initial={"term": request.GET.get("term", "")[:100]}),
        **_rights(request),
    }
    return render(request, "knowledge/console/synonyms.html", context, status=status)


@console_view(Action.FAQ_VIEW)
def synonyms(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _synonym_page(request)
    form = SynonymForm(request.POST)
    if form.is_valid():
        try:
            synonym = services.synonym_add(
                actor=request.user,
                center=_center(request),
                term=form.cleaned_data["term"],
                alternatives=form.cleaned_data["alternatives"],
            )
        except KnowledgeError as exc:
            keep_error(form, exc)
        else:
            messages.success(request, f"同義語「{synonym.term}」を登録しました。")
            return redirect("console:knowledge_console:synonyms")
    return _synonym_page(request, form, status=400)


@require_POST
@console_view(Action.FAQ_VIEW)
def synonym_remove(request: HttpRequest, pk: int) -> HttpResponse:
    synonym = get_object_or_404(Synonym, center=_center(request), pk=pk)
    try:
        services.synonym_remove(actor=request.user, synonym=synonym)
    except KnowledgeError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, f"同義語「{synonym.term}」を削除しました。")
    return redirect("console:knowledge_console:synonyms")


@console_view(Action.FAQ_VIEW)
def search_report(request: HttpRequest) -> HttpResponse:
    """Zero-hit and weak-hit queries of one ISO week (FAQ-8), most asked first."""
    center = _center(request)
    try:
        week = monday(date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        week = monday(timezone.localdate())
    channel = request.GET.get("channel", "")
    if channel not in SearchChannel.values:
        channel = ""
    rows = selectors.zero_hit_report(center=center, week=week, channel=channel or None)
    context = {
        "week": week,
        "week_end": week + timedelta(days=6),
        "previous": week - timedelta(days=7),
        "next": week + timedelta(days=7),
        "channel": channel,
        "channels": SearchChannel.choices,
        "rows": rows,
        "zero": sum(r.count for r in rows if not r.had_results),
        "weak": sum(r.count for r in rows if r.had_results),
        **_rights(request),
    }
    return render(request, "knowledge/console/search_report.html", context)


@console_view(Action.FAQ_EDIT)
def categories(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    form = CategoryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.category_create(
                    actor=request.user,
                    center=center,
                    axis=data["axis"],
                    slug=data["slug"],
                    name=data["name"],
                    names={
                        "en": data["name_en"],
                        "zh-hans": data["name_zh_hans"],
                        "ko": data["name_ko"],
                    },
                )
            except KnowledgeError as exc:
                keep_error(form, exc)
            else:
                messages.success(request, f"分類「{data['name']}」を作成しました。")
                return redirect("console:knowledge_console:categories")
        status = 400
    context = {"categories": selectors.categories(center=center), "form": form}
    return render(request, "knowledge/console/categories.html", context, status=status)


# --- import / export ----------------------------------------------------------------------


@console_view(Action.FAQ_EDIT)
def export(request: HttpRequest) -> HttpResponse:
    center = _center(request)
    fmt = request.GET.get("format", "csv")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        data = csvio.export_xlsx(actor=request.user, center=center)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        fmt = "csv"
        data = csvio.export_csv(actor=request.user, center=center)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="faq-{center.slug}-{stamp}.{fmt}"'
    return response


def _stored_import(request: HttpRequest) -> tuple[str, str] | None:
    entry = request.session.get(SESSION_IMPORT)
    if not isinstance(entry, dict) or entry.get("center") != _center(request).pk:
        return None
    return str(entry["path"]), str(entry["filename"])


@console_view(Action.FAQ_EDIT)
def import_faqs(request: HttpRequest) -> HttpResponse:
    """Upload → preview (a dry run with every problem listed) → apply the same file."""
    center = _center(request)
    form = ImportForm()
    report = None
    status = 200
    if request.method == "POST" and request.POST.get("step") == "apply":
        stored = _stored_import(request)
        if stored is None:
            messages.error(
                request, "確認済みのファイルがありません。もう一度アップロードしてください。"
            )
            return redirect("console:knowledge_console:import")
        path, filename = stored
        try:
            with default_storage.open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            request.session.pop(SESSION_IMPORT, None)
            messages.error(
                request, "確認済みのファイルが見つかりません。もう一度アップロードしてください。"
            )
            return redirect("console:knowledge_console:import")
        report = csvio.faq_import(actor=request.user, center=center, data=data, filename=filename)
        if report.applied:
            default_storage.delete(path)
            request.session.pop(SESSION_IMPORT, None)
            messages.success(
                request,
                f"取り込みました: 新規 {report.created} 件、変更 {report.updated} 件、"
                f"変更なし {report.unchanged} 件",
            )
            return redirect("console:knowledge_console:list")
        status = 400
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            report = csvio.faq_import(
                actor=request.user, center=center, data=data, filename=upload.name, dry_run=True
            )
            previous = _stored_import(request)
            if previous is not None:  # a new preview replaces the one not applied
                default_storage.delete(previous[0])
                request.session.pop(SESSION_IMPORT, None)
            if not report.errors:
                path = default_storage.save(
                    f"{IMPORT_DIR}/{center.pk}-{secrets.token_hex(8)}.bin", ContentFile(data)
                )
                request.session[SESSION_IMPORT] = {
                    "center": center.pk,
                    "path": path,
                    "filename": upload.name,
                }
            else:
                status = 400
        else:
            status = 400
    context = {"form": form, "report": report, "ready": _stored_import(request) is not None}
    return render(request, "knowledge/console/import.html", context, status=status)


# --- operator FAQ pane ----------------------------------------------------------------------


def _hit_json(hit: selectors.FaqHit) -> dict[str, Any]:
    return {
        "code": hit.faq.code,
        "question": hit.question,
        "answer": hit.answer,
        "strict": hit.strict,
    }


@require_GET
@console_view(Action.FAQ_VIEW)
def pane_search(request: HttpRequest) -> JsonResponse:
    """Staff search (internal FAQs included), counted in the staff zero-hit report."""
    query = request.GET.get("q", "")[:200]
    language = request.GET.get("lang", "ja")
    if language not in ("ja", "en", "zh-hans", "ko"):
        return JsonResponse({"error": "言語の指定が正しくありません。"}, status=400)
    result = selectors.faq_search(
        center=_center(request),
        language=language,
        query=query,
        channel=SearchChannel.STAFF,
        limit=10,
    )
    return JsonResponse(
        {
            "query": result.query,
            "strict_hit": result.strict_hit,
            "hits": [_hit_json(h) for h in result.hits],
        }
    )


@require_GET
@console_view(Action.FAQ_VIEW)
def pane_suggest(request: HttpRequest) -> JsonResponse:
    found = selectors.faq_suggest(
        center=_center(request), language="ja", prefix=request.GET.get("q", ""), audience="staff"
    )
    return JsonResponse(
        {
            "terms": found.terms,
            "questions": [_hit_json(h) for h in found.questions],
            "top": [_hit_json(h) for h in found.top],
        }
    )


def _count_staff_view(request: HttpRequest, faq: Faq) -> None:
    """An operator opened ``faq``: counted on the staff channel (never in the public ranking)."""
    if not request.session.session_key:
        request.session.save()
    faq_view_record(
        faq=faq, session_key=request.session.session_key or "", channel=ViewChannel.STAFF
    )


@require_POST
@console_view(Action.FAQ_VIEW)
def pane_view(request: HttpRequest) -> JsonResponse:
    """The pane opened an FAQ (weekly staff views, FAQ-7)."""
    faq = Faq.objects.filter(center=_center(request), code=request.POST.get("faq", "")).first()
    if faq is None:
        return JsonResponse({"error": "FAQが見つかりません。"}, status=404)
    _count_staff_view(request, faq)
    return JsonResponse({"ok": True, "faq": faq.code})


@require_POST
@console_view(Action.FAQ_VIEW)
def pane_use(request: HttpRequest) -> JsonResponse:
    """Record that an FAQ answered an interaction (FAQ-4)."""
    center = _center(request)
    try:
        interaction_id = int(request.POST.get("interaction", ""))
    except ValueError:
        return JsonResponse({"error": "応対履歴が指定されていません。"}, status=400)
    interaction = Interaction.objects.filter(center=center, pk=interaction_id).first()
    faq = Faq.objects.filter(center=center, code=request.POST.get("faq", "")).first()
    if interaction is None or faq is None:
        return JsonResponse({"error": "応対履歴またはFAQが見つかりません。"}, status=404)
    try:
        services.faq_mark_used(actor=request.user, interaction=interaction, faq=faq)
    except KnowledgeError as exc:
        return JsonResponse(
            {"error": str(exc.message)}, status=403 if "権限" in str(exc.message) else 400
        )
    interaction.refresh_from_db(fields=["faq_ids"])
    return JsonResponse({"ok": True, "faq": faq.code, "faq_ids": interaction.faq_ids})


@console_view(Action.FAQ_VIEW)
def pane_demo(request: HttpRequest) -> HttpResponse:
    """The FAQ pane on its own page (for operators without the desk, and for tests)."""
    interaction_id = request.GET.get("interaction", "")
    return render(
        request,
        "knowledge/console/pane_page.html",
        {"faq_pane_interaction_id": interaction_id if interaction_id.isdigit() else ""},
    )
