"""Forms of the learner pages. The answer inputs depend on the question (options, actions, a
branching step), so the answer form only carries the CSRF token; the type registry turns the
posted values into a response. Start and submit are buttons with nothing but the token."""
from __future__ import annotations

from typing import Any

from flask import Request
from flask_wtf import FlaskForm


class StartForm(FlaskForm):
    """Start (or resume) an attempt."""


class SubmitForm(FlaskForm):
    """Submit an attempt for grading."""


class AnswerForm(FlaskForm):
    """Save the answer to one question (the inputs are read by ``answer_input``)."""


def answer_input(request: Request) -> Any:
    """The raw answer of a POST: the JSON object quiz.js sends, or the form (``getlist`` for
    checkboxes). The CSRF token travels in the form or the X-CSRFToken header."""
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    return request.form
