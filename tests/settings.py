"""Test settings: the product's own, on Redis databases of their own so that a demo worker running
beside the tests never takes their tasks or answers their pings."""

import os

os.environ.setdefault("SAAS_REDIS_DB_OFFSET", "8")

from saas.settings import *  # noqa: E402, F403

# Hashing demo passwords with PBKDF2 would dominate the suite's time; the algorithm is not under test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Several test runs at once on one machine (parallel work, a CI pass beside a session) each need a
# database of their own: `SAAS_TEST_DATABASE=test_mine python3 dev.py test`.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SAAS_TEST_DATABASE", "test_saas")}  # noqa: F405
