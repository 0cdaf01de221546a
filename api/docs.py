from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI that runs under the site's strict CSP (script-src 'self', style-src 'self').

    Its assets come from our own /static/ (drf-spectacular-sidecar) and the split view serves its init
    script from ``?script``, so no script is inline. The one thing our CSP refused was the ``<style>``
    block in drf-spectacular's template; our template moves those three rules to a stylesheet. Swagger
    UI itself sets styles only through the DOM, which ``style-src`` does not govern, so the docs need no
    CSP exception at all (tests/api/test_schema.py checks the page in Chromium).
    """

    template_name = "api/swagger_ui.html"
