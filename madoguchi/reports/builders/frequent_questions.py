"""よくある質問の報告 (RPT-8), for city staff: what people asked about in the period —
top categories and FAQs used to answer them, the public site's most viewed FAQs and
search texts, the searches that found nothing, and how helpful citizens found the FAQs.

Views and searches are counted per ISO week (knowledge keeps no finer grain), so the
report counts every week that overlaps the period; the text says which weeks.
"""

from __future__ import annotations

from madoguchi.reports import kpi
from madoguchi.reports.builders import common
from madoguchi.reports.builders import selectors as s
from madoguchi.reports.documents import Chart, Report, Section, Series, Table
from madoguchi.reports.models import ReportKind
from madoguchi.reports.periods import Period
from madoguchi.reports.registry import register_builder
from madoguchi.tenancy.models import Center

TOP = 20


@register_builder(ReportKind.FREQUENT_QUESTIONS)
@common.in_japanese
def build_frequent_questions(*, center: Center, period: Period) -> Report:
    since, until = period.since, period.until
    categories = s.category_counts(center=center, since=since, until=until)
    uses = kpi.faq_use(center=center, since=since, until=until)
    top_uses = sorted(uses.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    titles = s.faq_titles(center=center, codes=[code for code, _ in top_uses])
    weeks = s.weeks_touching(since, until)
    views = s.public_faq_views(center=center, weeks=weeks)[:TOP]
    queries = s.search_queries(center=center, weeks=weeks)
    zero = [q for q in queries if not q.had_results]
    votes = s.helpful_votes(center=center, since=since, until=until)
    helpful, total = sum(v.helpful for v in votes), sum(v.total for v in votes)
    week_text = (
        f"閲覧数・検索数は {weeks[0]:%Y-%m-%d} からの週単位（{len(weeks)} 週）で集計しています。"
        if weeks
        else ""
    )

    sections = [
        Section(
            title="問合せの多い分類",
            tables=[
                common.count_table(f"分類別の応対件数（上位{TOP}）", "分類", categories, limit=TOP)
            ],
            charts=[common.count_chart("分類別の応対件数（上位10）", categories)],
        ),
        Section(
            title="応対で使われたFAQ",
            text=f"利用されたFAQ {len(uses)} 件、延べ {sum(uses.values())} 回",
            tables=[
                Table(
                    title=f"応対で使われたFAQ（上位{TOP}）",
                    columns=["順位", "FAQ-ID", "質問", "利用件数"],
                    rows=[[n, c, titles.get(c, ""), k] for n, (c, k) in enumerate(top_uses, 1)],
                )
            ],
            charts=[
                Chart(
                    kind="bar",
                    title="応対で使われたFAQ（上位10）",
                    categories=[c for c, _ in top_uses[:10]],
                    series=[Series("利用件数", [float(k) for _, k in top_uses[:10]])],
                    y_title="件数",
                )
            ],
        ),
        Section(
            title="公開サイトでよく見られたFAQ",
            text=week_text,
            tables=[
                Table(
                    title=f"閲覧数の多いFAQ（上位{TOP}、セッション数）",
                    columns=["順位", "FAQ-ID", "質問", "閲覧数"],
                    rows=[[n, c, q, k] for n, (c, q, k) in enumerate(views, 1)],
                )
            ],
            charts=[
                Chart(
                    kind="bar",
                    title="閲覧数の多いFAQ（上位10）",
                    categories=[c for c, _, _ in views[:10]],
                    series=[Series("閲覧数", [float(k) for _, _, k in views[:10]])],
                    y_title="閲覧数",
                )
            ],
        ),
        Section(
            title="検索語",
            text=f"{week_text}数字は「#」に置き換えて記録しています。",
            tables=[
                Table(
                    title=f"よく検索された語（上位{TOP}）",
                    columns=["順位", "検索語", "回数", "結果"],
                    rows=[
                        [n, q.query, q.count, "あり" if q.had_results else "なし"]
                        for n, q in enumerate(queries[:TOP], 1)
                    ],
                ),
                Table(
                    title="結果がなかった検索語（FAQ追加の候補）",
                    columns=["検索語", "回数"],
                    rows=[[q.query, q.count] for q in zero[:TOP]],
                ),
            ],
        ),
        Section(
            title="役に立ったかの評価",
            text=(
                f"評価 {total} 件、うち「役に立った」{helpful} 件"
                + (f"（{helpful / total:.1%}）" if total else "")
            ),
            tables=[
                Table(
                    title="FAQ別の評価",
                    columns=["FAQ-ID", "質問", "役に立った", "評価数", "役に立った率"],
                    rows=[
                        [
                            v.code,
                            v.question,
                            v.helpful,
                            v.total,
                            None if v.rate is None else round(v.rate, 4),
                        ]
                        for v in votes[:TOP]
                    ],
                    percent_columns=frozenset({4}),
                )
            ],
        ),
    ]
    return Report(
        kind=ReportKind.FREQUENT_QUESTIONS,
        title=common.report_title("よくある質問の報告", period, center),
        center_name=center.name,
        period_label=period.label,
        generated_at=common.generated_at(),
        sections=sections,
        definitions=common.definitions("FAQ使用数"),
    )
