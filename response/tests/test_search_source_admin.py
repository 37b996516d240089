"""The admin refuses the search source `yuqing sources load` refuses: one rule, two doors."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from response.models import Source


@pytest.mark.django_db
def test_admin_form_rejects_a_search_template_without_query() -> None:
    source = Source(slug="so-local", name="本地搜索", kind=Source.Kind.SEARCH, url="http://127.0.0.1:9/s?q=司法局")
    with pytest.raises(ValidationError) as err:
        source.full_clean(exclude=["crawl_state"])
    assert "{query}" in " ".join(err.value.message_dict["url"])


@pytest.mark.django_db
def test_admin_form_accepts_a_good_template() -> None:
    source = Source(slug="so-local", name="本地搜索", kind=Source.Kind.SEARCH,
                    url="http://127.0.0.1:9/s?q={query}&page={page}", settings={"max_pages": 2})
    source.full_clean(exclude=["crawl_state"])
    bad = Source(slug="so-bad", name="本地搜索", kind=Source.Kind.SEARCH,
                 url="http://127.0.0.1:9/s?q={query}", settings={"max_pages": 99})
    with pytest.raises(ValidationError, match="max_pages"):
        bad.full_clean(exclude=["crawl_state"])
