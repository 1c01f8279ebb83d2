"""Paging for list pages: 25 rows a page, and the query string to keep when moving between pages."""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 25


def page_of(request, queryset, size: int = PAGE_SIZE) -> Page:
    """The page ?page= asks for (the last one when it asks for more, the first when it is not a number)."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    """The filters of the current page, for the links to other pages."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
