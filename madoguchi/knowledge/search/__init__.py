"""FAQ search: Japanese analysis, BM25, synonyms, optional dense model, suggest, cache.

Pure Python + numpy; no models of its own. The knowledge app stores `analyze_document()`
and `embed_passage()` results on each FAQ text and builds a `SearchIndex` through
`index_cache`. See docs/search.md.
"""

from .cache import IndexCache, index_cache
from .dense import embed_passage, embed_query, model_available, passage_text
from .index import AnalyzedTerms, Document, Hit, SearchIndex, SearchResult, analyze_document
from .suggest import Suggestions
from .synonyms import Synonyms

__all__ = [
    "AnalyzedTerms",
    "Document",
    "Hit",
    "IndexCache",
    "SearchIndex",
    "SearchResult",
    "Suggestions",
    "Synonyms",
    "analyze_document",
    "embed_passage",
    "embed_query",
    "index_cache",
    "model_available",
    "passage_text",
]
