"""Session-wide test settings: what cloudtwin learns about the machine goes to a temporary folder, not the user's."""

from __future__ import annotations

import os
import tempfile

# Measured speeds (cloudtwin.runner.speed) of test runs must not leak into the user's cache or across sessions;
# set at import so the command-line subprocesses of the tests inherit it.
os.environ["CLOUDTWIN_CACHE_DIR"] = tempfile.mkdtemp(prefix="cloudtwin-test-cache-")
