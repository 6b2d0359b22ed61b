"""Workforce management: Erlang staffing formulas (REQUIREMENTS WFM-1)."""
