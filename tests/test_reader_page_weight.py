"""Page weight budget of the reader (issue 3): every course page under 100 KB on a first visit,
counting the HTML and the CSS, JS and images it references, uncompressed. Sizes, not timings.
The figures table comes from ``benchmarks/page_weight.py``, which shares :func:`measure`."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("page_weight", ROOT / "benchmarks" / "page_weight.py")
assert _spec and _spec.loader
page_weight = importlib.util.module_from_spec(_spec)
sys.modules["page_weight"] = page_weight
_spec.loader.exec_module(page_weight)


@pytest.mark.parametrize("content", ["courses", "generated"])
def test_every_course_page_is_under_the_budget(app: Flask, client, make_user, login_as, tmp_path,
                                               content) -> None:
    root = ROOT / "courses" if content == "courses" else tmp_path
    with app.app_context():
        source = page_weight.load_content(root)
    assert source.startswith("synced" if content == "courses" and any(root.glob("*/course.yaml")) else "generated")
    login_as(make_user())
    urls = page_weight.course_urls(client)
    readers = [u for u in urls if "/modul/" in u]
    assert len(readers) >= 10
    weights = page_weight.measure(client, urls)
    for weight in weights:
        assert weight.first_visit_raw < page_weight.BUDGET, (weight.url, weight.first_visit_raw)
        if "/modul/" in weight.url:
            # (under their content-hashed names: elearn/static_files.py)
            assert any(re.fullmatch(r"/static/js/reader\.[0-9a-f]{10}\.js", ref) for ref in weight.static)
            assert any(re.fullmatch(r"/static/css/app\.[0-9a-f]{10}\.css", ref) for ref in weight.static)
