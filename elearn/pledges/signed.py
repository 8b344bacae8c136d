"""Which pakta integritas texts a person has signed: a signature of any version of the text (by its
slug), in any campaign. What a course's ``completion.pledge_signed`` asks for (``courses.completion``).
Read-only queries."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, select

from ..db import db
from .models import PledgeSignature, PledgeText, PledgeTextVersion


def signed_pledges(user_id: int | ColumnElement[int], slugs: Iterable[str]) -> Select[tuple[str]]:
    """The slugs among ``slugs`` of the texts the user has signed, as a query. ``user_id`` may be a
    column of an enclosing query, for ``.exists()``."""
    return (
        select(PledgeText.slug)
        .join(PledgeTextVersion, PledgeTextVersion.pledge_text_id == PledgeText.id)
        .join(PledgeSignature, PledgeSignature.pledge_version_id == PledgeTextVersion.id)
        .where(PledgeSignature.user_id == user_id, PledgeText.slug.in_(slugs if isinstance(slugs, BindParameter) else list(slugs)))
    )


def signed_pledge_slugs(user_id: int, slugs: Iterable[str]) -> set[str]:
    """The texts among ``slugs`` that the user has signed. One query (none without slugs)."""
    wanted = list(set(slugs))
    if not wanted:
        return set()
    return set(db.session.scalars(signed_pledges(user_id, wanted).distinct()))


def pledge_campaign_for(user: Any, slug: str | None, now: dt.datetime | None = None) -> Any:
    """The campaign where ``user`` signs the pakta integritas ``slug`` (a course's ``requires.pledge``)
    now: an open campaign of the person's instansi over any version of that text (the one that opened
    last), or None (no campaign open yet: the person waits for their instansi). One query."""
    from .. import authz
    from .models import Campaign
    from .services import campaign_state

    if not slug or not getattr(user, "is_authenticated", False):
        return None
    campaigns = db.session.scalars(
        authz.scope_signable_campaigns(select(Campaign), user)
        .join(PledgeTextVersion, PledgeTextVersion.id == Campaign.pledge_version_id)
        .join(PledgeText, PledgeText.id == PledgeTextVersion.pledge_text_id)
        .where(PledgeText.slug == slug)
        .order_by(Campaign.opens_on.desc(), Campaign.id.desc())
    ).unique().all()
    return next((c for c in campaigns if campaign_state(c, now) == "open"), None)
