"""Models of the knowledge context."""
