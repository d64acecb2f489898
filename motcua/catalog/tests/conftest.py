import pytest
from django.core.cache import cache

from motcua.catalog import search


@pytest.fixture(autouse=True)
def _fresh_search_state():
    # Throttle counters live in the cache; the search index outlives each test's rollback.
    cache.clear()
    search.invalidate_index()
    yield
    search.invalidate_index()
