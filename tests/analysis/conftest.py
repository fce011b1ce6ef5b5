"""Fixtures for the analysis tests. Nothing here depends on the Flask app: the package is plain Python."""

from __future__ import annotations

import pytest

from portal.analysis import Result, analyse, read_path

from .builders import SAMPLE


@pytest.fixture(scope="session")
def sample_result() -> Result:
    return analyse(read_path(SAMPLE))
