"""Background jobs of the knowledge context, run by the ``madoguchi db_worker`` process."""

from __future__ import annotations

from django_tasks import task

from madoguchi.knowledge import indexing
from madoguchi.knowledge.models import FaqText


@task()
def faq_text_embed_task(text_id: int) -> str:
    """Compute and store the embedding of one FAQ text (≈0.5 s on 2 cores: never in a
    request). Returns what happened: ``stored``, ``no_model``, ``stale`` or ``gone``.

    The vector is stored only if the text is still the one it was computed from, so a
    slow job never overwrites a newer text's embedding with an older one.
    """
    text = FaqText.objects.filter(pk=text_id).first()
    if text is None:
        return "gone"
    source = indexing.passage_source(
        question=text.question, answer=text.answer, keywords=text.keywords
    )
    result = indexing.embed_passage(
        question=text.question, answer=text.answer, keywords=text.keywords
    )
    if result is None:
        return "no_model"
    vector, model_name = result
    updated = FaqText.objects.filter(
        pk=text_id, question=text.question, answer=text.answer, keywords=text.keywords
    ).update(embedding=vector, embedding_model=model_name, embedding_source=source)
    return "stored" if updated else "stale"
