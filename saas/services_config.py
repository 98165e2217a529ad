"""Where PostgreSQL and Redis are: `DATABASE_URL` / `REDIS_URL`, or the embedded servers.

Redis is split by database number so that a cache flush never drops Celery's queue:
REDIS_URL's own number (0 when absent) + 0 for the cache, + 1 for the channel layer, + 2 for Celery.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import dj_database_url

CACHE, CHANNELS, CELERY = 0, 1, 2


def service_urls() -> tuple[str, str]:
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        from saas.embedded import ensure_services

        ensure_services()
    return os.environ["DATABASE_URL"], os.environ["REDIS_URL"]


def database_settings(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    config["ENGINE"] = "django_tenants.postgresql_backend"
    return config


def redis_url(base: str, offset: int, *, for_celery: bool = False) -> str:
    parts = urlsplit(base)
    query = parse_qs(parts.query)
    if parts.scheme == "unix":
        db = int(query.pop("db", ["0"])[0]) + offset
        if for_celery:
            # kombu spells a unix socket "redis+socket" and the database "virtual_host".
            return f"redis+socket://{parts.path}?{urlencode({'virtual_host': db})}"
        return f"unix://{parts.path}?{urlencode({**_flat(query), 'db': db})}"
    db = int(parts.path.lstrip("/") or 0) + offset
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


def _flat(query: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[-1] for key, values in query.items()}
