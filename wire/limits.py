"""Sizes both sides of the wire enforce: defined once, so the terminal never accepts what the server refuses.

The bundle limit was 16 MiB on the server and in the sync client but 20 MiB in the bundle verifier; a
bundle between the two would verify on a workstation and then never reach a terminal. 16 MiB it is.
"""

from __future__ import annotations

MIB = 1024 * 1024

MAX_BUNDLE_BYTES = 16 * MIB  # a flow bundle's files, in total (upload, download, verification)
MAX_MANIFEST_BYTES = 1 * MIB  # a bundle's manifest or signature file
MAX_RESPONSE_BYTES = 64 * MIB  # any answer the terminal reads (bundle downloads are capped lower, above)
MAX_BATCH = 1000  # events in one POST /api/v1/events
MAX_REQUEST_BYTES = 8 * MIB  # any request body but a bundle upload (checked before the body is read)
MAX_SCREENSHOT_BYTES = 4 * MIB  # a terminal's screenshot upload (PNG), checked before the body is read
MAX_BUNDLE_UPLOAD_BYTES = MAX_BUNDLE_BYTES * 4 // 3 + 64 * 1024  # a bundle upload: base64 plus its JSON
MAX_BUNDLE_FORM_BYTES = MAX_BUNDLE_BYTES + 64 * 1024  # a bundle uploaded in the console: the file, its form
