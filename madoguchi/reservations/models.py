"""Models of the reservations context."""
