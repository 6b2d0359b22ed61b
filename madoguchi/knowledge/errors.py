"""The one error type of the knowledge context."""

from madoguchi.errors import DomainError


class KnowledgeError(DomainError):
    """A rule of the knowledge context was broken; nothing was written."""
