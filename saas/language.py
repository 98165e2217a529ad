"""Which language a request gets.

Pages: the language chosen with the switch in the header (a cookie), else Chinese, whatever the
browser's Accept-Language says: the product is Chinese first, and English is an explicit choice.
API: Accept-Language, else Chinese, as API clients set it per call.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def request_language(request) -> str:
    if request.path.startswith("/api/"):
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    try:
        return translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
