"""Public JSON-LD documents behind the Open Badges (no sign-in; verifiers fetch them):

- ``/sertifikat/penerbit/<instansi>``: the instansi's issuer ``Profile``, which is also the
  controller document of its signing keys (``verificationMethod``: every ``Multikey``, current and
  retired, so old credentials keep verifying; ``assertionMethod``: their ids). A credential's
  ``verificationMethod`` is ``<this URL>#<key id>``.
- ``/sertifikat/status/<instansi>``: the instansi's signed ``BitstringStatusListCredential``
  (revocation: bits of revoked and replaced certificates set).
- ``/sertifikat/capaian/<course version id>``: the ``Achievement`` a course version's certificates
  attest (the ``achievement.id`` of the credentials).
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app
from sqlalchemy import select

from ..db import db
from ..extensions import rate_limit
from ..org.models import Instansi
from . import badge_keys, badges
from .contexts import CID_V1, MULTIKEY_V1, OB_V3, VC_V2

bp = Blueprint("certificate_badges", __name__)

LD_JSON = "application/ld+json"
VC_LD_JSON = "application/vc+ld+json"
#: verifiers may cache these documents this long (seconds); a revocation shows within a minute
MAX_AGE = 60


def _public_limit() -> str:
    return current_app.config["PUBLIC_LIMIT_PER_IP"]


def _json(document: dict[str, Any], mimetype: str) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"  # browser-based verifiers
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


def _instansi(slug: str) -> Instansi:
    instansi = db.session.scalar(select(Instansi).where(Instansi.slug == slug))
    if instansi is None:
        abort(404)
    return instansi


def issuer_document(instansi: Instansi) -> dict[str, Any]:
    url = badges.issuer_url(instansi.slug)
    keys = badge_keys.keyring(instansi.slug).keys
    return {
        # (Multikey v1 too: verifiers that take a key out of this document check for it)
        "@context": [VC_V2, OB_V3, CID_V1, MULTIKEY_V1],
        **badges.issuer_profile(instansi),
        "verificationMethod": [
            {"id": f"{url}#{key.id}", "type": "Multikey", "controller": url,
             "publicKeyMultibase": key.public_multibase}
            for key in keys
        ],
        "assertionMethod": [f"{url}#{key.id}" for key in keys],
    }


@bp.route("/sertifikat/penerbit/<instansi_slug>")
@rate_limit(_public_limit)
def issuer(instansi_slug: str) -> Response:
    return _json(issuer_document(_instansi(instansi_slug)), LD_JSON)


@bp.route("/sertifikat/status/<instansi_slug>")
@rate_limit(_public_limit)
def status_list(instansi_slug: str) -> Response:
    return _json(badges.status_list_credential(_instansi(instansi_slug)), VC_LD_JSON)


@bp.route("/sertifikat/capaian/<int:course_version_id>")
@rate_limit(_public_limit)
def achievement(course_version_id: int) -> Response:
    from ..courses.models import CourseVersion, VersionStatus

    version = db.session.get(CourseVersion, course_version_id)
    # (a draft is nobody's business yet; a version without certificate attests nothing)
    if version is None or version.certificate is None or version.status == VersionStatus.DRAFT:
        abort(404)
    return _json({"@context": [VC_V2, OB_V3], **badges.achievement(version)}, LD_JSON)
