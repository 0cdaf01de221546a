"""The partner API's Swagger UI in a real browser, under our strict CSP.

It uses the session's one Chromium (tests/browser/conftest.py): a second Playwright started inside a test
would fail whenever a browser test ran before it, because the session's Playwright keeps its asyncio loop
running in this thread.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HTTP_METHODS = {"get", "put", "patch", "post", "delete"}


def operations_rendered_while_scrolling(page) -> set[str]:
    """Swagger UI virtualises a long spec (over 100 operations): it renders only the operations near the
    viewport and unmounts the others. So scroll to the bottom, collecting each operation block's id."""
    seen: set[str] = set()
    for _ in range(2_000):
        seen |= set(page.eval_on_selector_all(".opblock", "blocks => blocks.map(block => block.id)"))
        if page.evaluate("window.scrollY + window.innerHeight >= document.body.scrollHeight - 2"):
            break
        page.evaluate("window.scrollBy(0, window.innerHeight / 2)")
        page.wait_for_timeout(20)  # the virtualiser renders on the next animation frames
    return seen


def test_swagger_ui_renders_every_operation_with_no_csp_violation(page):
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto("/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=60_000)  # the schema of every endpoint, on a busy CI machine
    page.click(".opblock-summary >> nth=0")  # expand one: parameters, responses, examples
    page.wait_for_selector(".opblock-body", timeout=5_000)
    operations_shown = len(operations_rendered_while_scrolling(page))

    assert page.evaluate("window.cspViolations") == []
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = sum(1 for item in schema["paths"].values() for method in item if method in HTTP_METHODS)
    assert operations_shown == operations >= 18  # every documented operation is shown
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(250, 250, 250)"  # our stylesheet, not a blocked inline style
