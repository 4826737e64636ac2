"""No page escapes the axe-core test: every named URL pattern is either visited by it or left out on purpose."""

from tests.e2e.a11y_support import AXE_PAGES, NOT_PAGE_NAMESPACES, NOT_PAGES, named_url_patterns


def test_every_named_page_is_checked_by_axe_or_left_out_with_a_reason():
    ours = {name for name in named_url_patterns() if name.split(":")[0] not in NOT_PAGE_NAMESPACES}
    missing = ours - AXE_PAGES - set(NOT_PAGES)
    assert not missing, (
        f"add these to AXE_PAGES (and the tour in test_a11y_browser.py) or NOT_PAGES: {missing}"
    )


def test_the_lists_name_only_patterns_that_exist_and_each_once():
    names = named_url_patterns()
    assert AXE_PAGES <= names and set(NOT_PAGES) <= names
    assert not AXE_PAGES & set(NOT_PAGES)
    assert {name.split(":")[0] for name in names} >= set(NOT_PAGE_NAMESPACES)
