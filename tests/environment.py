"""Loaded with `-p tests.environment` before Django is configured.

The test client and the live server speak plain HTTP, so the HTTPS-only settings that
production gets by default are switched off for the suite. Playwright's sync API runs an
event loop in the test thread; Django's ORM refuses to run there unless told it is safe.
"""

import os
import tempfile

os.environ.setdefault("SADMF_HTTPS", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Files the suite renders or exports (the demo's documents too) never land in the repo's var/.
os.environ.setdefault("SADMF_EXPORT_ROOT", tempfile.mkdtemp(prefix="sadmf-test-exports-"))
