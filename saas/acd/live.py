"""The ACD's Redis: deadlines and which gateways are connected. It sits beside Celery's queue
(database +2), which no cache flush touches."""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings

from saas.services_config import CELERY, redis_url


@cache
def store() -> redis.Redis:
    return redis.Redis.from_url(redis_url(settings.REDIS_URL, settings.REDIS_DB_OFFSET + CELERY),
                                decode_responses=True)
