"""The rekap's colour and label per share of people done: at 100 % the label is "tuntas", not "hampir
tuntas" (the issue 16 walk found the heads of SKPD, all signed and done, marked "almost done")."""
from __future__ import annotations

from flask import Flask

from elearn.reports.views import level, level_labels


def test_levels(app: Flask) -> None:
    assert [level(s) for s in (None, 0.0, 0.49, 0.5, 0.79, 0.8, 0.999, 1.0)] == \
        ["none", "low", "low", "mid", "mid", "high", "high", "done"]
    with app.test_request_context():
        labels = level_labels()
        assert labels["done"] == "tuntas" and labels["high"] == "hampir tuntas"
    with app.test_request_context(headers={"Cookie": "elearn_lang=en"}):
        assert level_labels()["done"] == "done"
