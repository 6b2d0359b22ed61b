"""Models of the inbox context."""
