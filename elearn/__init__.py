"""elearn: neutrality modules, scenario quizzes, pakta integritas and certificates for ASN."""
from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides defaults and ELEARN_* environment variables."""
    from . import cli, form_messages, http_guards, i18n, static_files
    from .config import load_config
    from .db import db
    from .errors import register_error_handlers
    from .extensions import babel, csrf, init_limiter, login_manager
    from .templating import register_template_helpers

    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    http_guards.init_app(app)  # (before the blueprints: their routes use its int converter)

    db.init_app(app)
    csrf.init_app(app)
    init_limiter(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    form_messages.install()  # WTForms' own messages ("This field is required.") in the reader's language
    login_manager.init_app(app)

    from .auth import views as auth_views
    from .accounts import views as accounts_views
    from .audit import views as audit_views
    from .core import views as core_views
    from .courses import views as courses_views
    from .org import views as org_views
    from .roster import views as roster_views

    for module in (core_views, auth_views, accounts_views, org_views, roster_views, audit_views,
                   courses_views):
        app.register_blueprint(module.bp)

    from .courses import assignment_views

    app.register_blueprint(assignment_views.bp)

    from .courses import authoring

    app.register_blueprint(authoring.bp)

    from .quizzes import views as quiz_views

    app.register_blueprint(quiz_views.bp)

    from .quizzes import authoring as quiz_authoring

    app.register_blueprint(quiz_authoring.bp)
    app.register_blueprint(quiz_authoring.quiz_bp)

    from .quizzes import analysis_views

    app.register_blueprint(analysis_views.bp)

    from .pledges import views as pledge_views

    app.register_blueprint(pledge_views.bp)
    app.register_blueprint(pledge_views.verify_bp)

    from .pledges import hr_views as pledge_hr_views

    app.register_blueprint(pledge_hr_views.bp)

    from .certificates import admin_views as certificate_admin_views
    from .certificates import views as certificate_views

    app.register_blueprint(certificate_views.bp)
    app.register_blueprint(certificate_admin_views.bp)

    from .certificates import hr_views as certificate_hr_views

    app.register_blueprint(certificate_hr_views.bp)

    from .certificates import badge_views as certificate_badge_views

    app.register_blueprint(certificate_badge_views.bp)

    from .reports import views as report_views

    app.register_blueprint(report_views.bp)

    from .reports import national_views as rekap_national_views

    app.register_blueprint(rekap_national_views.bp)

    from .events import views as event_views

    app.register_blueprint(event_views.bp)

    from .events import report_views as event_report_views

    app.register_blueprint(event_report_views.bp)

    from .events import live_views as events_live_views

    app.register_blueprint(events_live_views.bp)

    auth_views.init_login_manager(login_manager)
    register_error_handlers(app)
    register_template_helpers(app)
    static_files.init_app(app)
    cli.register(app)

    @app.after_request
    def _security_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        return response

    return app
