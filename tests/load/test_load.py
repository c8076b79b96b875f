"""A bounded load run: 64 clients on the jobs list, two processes, no errors."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.live


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_short_load_run_has_no_errors() -> None:
    from bench.load import run

    result = run(connections=64, duration=8)

    assert result.requests > 0
    assert result.non_2xx == 0
    assert result.socket_errors == 0
