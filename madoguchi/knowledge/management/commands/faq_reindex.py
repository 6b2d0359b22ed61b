"""``madoguchi faq_reindex [--center SLUG] [--embeddings]``.

Recomputes the stored search terms of FAQ texts analysed by an older analyser (after an
upgrade of the search package or its dictionary), and with ``--embeddings`` asks the
worker to compute missing or outdated embeddings (e.g. after installing the model).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.knowledge import indexing
from madoguchi.knowledge.models import FaqText
from madoguchi.knowledge.search.index import is_current
from madoguchi.knowledge.tasks import faq_text_embed_task
from madoguchi.tenancy.models import Center


class Command(BaseCommand):
    help = "FAQ本文の索引語を再計算し、必要なら埋め込みの計算をワーカーに依頼します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--center", help="センターの識別子（省略時はすべて）")
        parser.add_argument(
            "--embeddings", action="store_true", help="埋め込みがない本文の計算を依頼します"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        texts = FaqText.objects.all()
        if options["center"]:
            center = Center.objects.filter(slug=options["center"]).first()
            if center is None:
                raise CommandError(f"センター「{options['center']}」はありません。")
            texts = texts.filter(faq__center=center)
        analysed = queued = 0
        for text in texts.iterator():
            if not is_current(text.terms or None):
                text.terms = indexing.document_terms(
                    question=text.question, answer=text.answer, keywords=text.keywords
                )
                FaqText.objects.filter(pk=text.pk).update(terms=text.terms)
                analysed += 1
            source = indexing.passage_source(
                question=text.question, answer=text.answer, keywords=text.keywords
            )
            stale = not text.embedding or text.embedding_source != source
            if options["embeddings"] and (stale or text.embedding_model != indexing.MODEL_NAME):
                faq_text_embed_task.enqueue(text.pk)
                queued += 1
        self.stdout.write(f"索引語を再計算: {analysed} 件、埋め込みの計算を依頼: {queued} 件")
