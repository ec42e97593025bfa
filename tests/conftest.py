"""Shared pytest set-up: a headless matplotlib, the repository root, and the
``site`` mark.

``make test`` runs the strict book build beside the tests that do not read
its output (``pytest -m "not site"``), then the tests that do
(``pytest -m site``). A test reads the build when it opens ``_build/html``
(the static and browser checks of the website) or reuses the notebooks that
the build executed (the PDF edition); those files are marked here, in one
place, so a new test file of that kind is added to :data:`NEEDS_SITE`.
"""

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent

#: test files that need ``make html`` to have run before them
NEEDS_SITE = {"test_site_static.py", "test_site_browser.py", "test_pdf.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in NEEDS_SITE:
            item.add_marker(pytest.mark.site)


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT
