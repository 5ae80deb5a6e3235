"""Write docs/privacy.md, the records of processing, from ``chalicelib.domain.privacy``: ``make privacy-doc``.

``--check`` only compares (exit 1 when the document is out of date), as tests/unit/test_privacy_registry.py does.
"""

from __future__ import annotations

import sys

from chalicelib.domain.privacy import render_markdown
from local.generated import ROOT, main

DOC = ROOT / "docs" / "privacy.md"

if __name__ == "__main__":
    sys.exit(main(DOC, render_markdown, "privacy-doc"))
