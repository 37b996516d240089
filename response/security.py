"""A Content-Security-Policy on the app's own pages.

Pages that set their own policy (the sandboxed snapshot of a crawled page) keep it; the admin is
Django's and keeps Django's defaults. Crawled text is escaped in the templates already: the policy
is the second wall — even an unescaped payload could not run a script or send data elsewhere.
"""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "YUQING_CSP", DEFAULT_APP_CSP)
        if policy and "Content-Security-Policy" not in response and not request.path.startswith("/admin/"):
            response["Content-Security-Policy"] = policy
        return response
