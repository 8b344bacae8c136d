"""Who may see and do what: the one module of authorization predicates.

Views and templates call these; queries over organisation-owned rows go through the
``scope_*`` helpers so a user never sees a row outside their scope. A row outside the
scope answers 404 (see ``get_or_404_scoped``), never 403, so its existence is not revealed.

Scopes:
- superadmin: everything;
- admin BKPSDM: their whole instansi;
- operator SKPD: their perangkat daerah (the top-level unit above their own unit) and all
  units below it;
- pelatih and peserta: themselves (pelatih also author content for their instansi).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, Select, false, or_, select

from .accounts.models import Role, User
from .org.models import Instansi, Unit

HR_ROLES = (Role.OPERATOR_SKPD, Role.ADMIN_BKPSDM, Role.SUPERADMIN)
F = TypeVar("F", bound=Callable[..., Any])


def is_superadmin(user: User) -> bool:
    return user.is_authenticated and user.role == Role.SUPERADMIN


def is_hr(user: User) -> bool:
    return user.is_authenticated and user.role in HR_ROLES


def is_admin(user: User) -> bool:
    """Admin BKPSDM (of some instansi) or superadmin."""
    return user.is_authenticated and user.role in (Role.ADMIN_BKPSDM, Role.SUPERADMIN)


def can_manage_instansi(user: User, instansi: Instansi) -> bool:
    if not user.is_authenticated:
        return False
    if user.role == Role.SUPERADMIN:
        return True
    return user.role == Role.ADMIN_BKPSDM and user.instansi_id == instansi.id


def can_view_instansi(user: User, instansi: Instansi) -> bool:
    return is_superadmin(user) or (user.is_authenticated and user.instansi_id == instansi.id)


def can_manage_unit(user: User, unit: Unit) -> bool:
    """HR work on a unit: its people, activation slips, roster rows."""
    if not user.is_authenticated:
        return False
    if user.role == Role.SUPERADMIN:
        return True
    if user.instansi_id != unit.instansi_id:
        return False
    if user.role == Role.ADMIN_BKPSDM:
        return True
    if user.role == Role.OPERATOR_SKPD:
        return user.skpd_id is not None and unit.skpd_id == user.skpd_id
    return False


def can_edit_unit_tree(user: User, instansi: Instansi) -> bool:
    """Adding, renaming and moving units is the admin BKPSDM's job."""
    return can_manage_instansi(user, instansi)


def can_import_roster(user: User, instansi: Instansi) -> bool:
    if not user.is_authenticated:
        return False
    if can_manage_instansi(user, instansi):
        return True
    return user.role == Role.OPERATOR_SKPD and user.instansi_id == instansi.id and user.skpd_id is not None


def can_view_roster_import(user: User, roster_import: Any) -> bool:
    """An uploaded roster: the admin BKPSDM of its instansi, or the operator SKPD who uploaded it
    (while still operator of that SKPD); never another operator's upload."""
    if not user.is_authenticated:
        return False
    if user.role == Role.SUPERADMIN:
        return True
    if user.instansi_id != roster_import.instansi_id:
        return False
    if user.role == Role.ADMIN_BKPSDM:
        return True
    return (
        user.role == Role.OPERATOR_SKPD
        and roster_import.uploader_id == user.id
        and roster_import.skpd_id is not None
        and roster_import.skpd_id == user.skpd_id
    )


def can_view_person(user: User, person: User) -> bool:
    if not user.is_authenticated:
        return False
    if user.id == person.id or user.role == Role.SUPERADMIN:
        return True
    if person.instansi_id is None or person.instansi_id != user.instansi_id:
        return False
    if user.role == Role.ADMIN_BKPSDM:
        return True
    if user.role == Role.OPERATOR_SKPD:
        return person.unit is not None and can_manage_unit(user, person.unit)
    return False


#: seniority of roles: nobody grants, resets or edits an account above their own level
ROLE_RANK = {
    Role.PESERTA: 0,
    Role.PELATIH: 1,
    Role.OPERATOR_SKPD: 2,
    Role.ADMIN_BKPSDM: 3,
    Role.SUPERADMIN: 4,
}


def can_manage_role(user: User, role: Role) -> bool:
    """The role part of :func:`can_administer_account`: whether ``user`` may edit, reset or
    (de)activate accounts holding ``role`` at all, scope aside (the roles they could grant, never
    above their own). The roster import checks each existing person's role with it (and their SKPD
    with the import's own scope rule)."""
    return (
        user.is_authenticated
        and user.role in HR_ROLES
        and ROLE_RANK[role] <= ROLE_RANK[user.role]
        and role in administrable_roles(user)
    )


def can_administer_account(user: User, person: User) -> bool:
    """Reset an account, issue it an activation code (slip), edit its data, (de)activate it.

    Only for a person the user may see as HR, never one's own account, and only for an account
    whose role the user could grant (``administrable_roles``): a reset or a slip shows the new
    activation code to whoever issues it, so administering an account hands it over. An operator
    SKPD therefore looks after the peserta of their SKPD only, not its pelatih (who author content
    for the whole instansi), operators or admins. Views answer 403 for a visible person (404
    outside scope), templates hide the buttons, services refuse, roster imports report the row."""
    return (
        user.is_authenticated
        and user.id != person.id
        and can_manage_role(user, person.role)
        and can_view_person(user, person)
    )


def assignable_roles(user: User) -> tuple[Role, ...]:
    """Roles this user may give to others. Nobody may hand out a role above their own."""
    if not user.is_authenticated:
        return ()
    if user.role == Role.SUPERADMIN:
        return tuple(Role)
    if user.role == Role.ADMIN_BKPSDM:
        return (Role.PESERTA, Role.PELATIH, Role.OPERATOR_SKPD, Role.ADMIN_BKPSDM)
    return ()


def administrable_roles(user: User) -> tuple[Role, ...]:
    """Roles of the accounts this user may reset, edit and (de)activate: those they may grant; an
    operator SKPD, who grants no role, the peserta (the role roster imports give)."""
    if user.is_authenticated and user.role == Role.OPERATOR_SKPD:
        return (Role.PESERTA,)
    return assignable_roles(user)


def can_change_role(user: User, person: User, new_role: Role) -> bool:
    return (
        can_administer_account(user, person)
        and person.role in assignable_roles(user)
        and new_role in assignable_roles(user)
    )


def can_view_unit_tree(user: User, instansi: Instansi) -> bool:
    """The admin BKPSDM sees the whole tree; an operator SKPD sees their own SKPD's subtree."""
    if can_manage_instansi(user, instansi):
        return True
    return (
        user.is_authenticated
        and user.role == Role.OPERATOR_SKPD
        and user.instansi_id == instansi.id
        and user.skpd_id is not None
    )


def can_issue_slips(user: User, skpd: Unit) -> bool:
    """Activation slips are printed per perangkat daerah (a top-level unit) within HR scope."""
    return skpd.parent_id is None and can_manage_unit(user, skpd)


def can_view_audit(user: User, instansi: Instansi) -> bool:
    return can_manage_instansi(user, instansi)


def can_author_content(user: User) -> bool:
    return user.is_authenticated and user.role in (Role.PELATIH, Role.ADMIN_BKPSDM, Role.SUPERADMIN)


def can_edit_course(user: User, course: Any) -> bool:
    """Authoring a course: trainers and the admin BKPSDM edit their own instansi's courses; the
    shipped courses (no instansi, loaded from courses/) only the superadmin."""
    if not can_author_content(user):
        return False
    if user.role == Role.SUPERADMIN:
        return True
    return course.instansi_id is not None and course.instansi_id == user.instansi_id


def can_copy_shipped(user: User, obj: Any) -> bool:
    """"Salin ke instansi saya": a trainer or admin BKPSDM of an instansi copies a shipped course or
    bank (no instansi; maintained through files by the installation's operator) into an editable copy
    of their instansi. The superadmin (no instansi) edits shipped content directly."""
    return (can_author_content(user) and user.role != Role.SUPERADMIN and user.instansi_id is not None
            and obj.instansi_id is None)


def scope_authored_courses(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting Course rows to those ``can_edit_course`` allows."""
    from .courses.models import Course

    if not can_author_content(user):
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    if user.instansi_id is None:
        return stmt.where(false())
    return stmt.where(Course.instansi_id == user.instansi_id)


# --- question banks, quiz authoring, item analysis -----------------------------------------


def _own_or_shipped(user: User, instansi_id: int | None) -> bool:
    return instansi_id is None or user.role == Role.SUPERADMIN or instansi_id == user.instansi_id


def _own(user: User, instansi_id: int | None) -> bool:
    """Editable: the superadmin everything (shipped content too), others their instansi's rows."""
    return user.role == Role.SUPERADMIN or (instansi_id is not None and instansi_id == user.instansi_id)


def can_view_bank(user: User, bank: Any) -> bool:
    """Authors read their instansi's banks and the shipped ones (to see and draw their questions)."""
    return can_author_content(user) and _own_or_shipped(user, bank.instansi_id)


def can_edit_bank(user: User, bank: Any) -> bool:
    """Like ``can_edit_course``: own instansi's banks; the shipped banks (quizzes/) only the superadmin."""
    return can_author_content(user) and _own(user, bank.instansi_id)


def scope_banks(stmt: Select[Any], user: User, *, editable: bool = False) -> Select[Any]:
    """Limit a query selecting QuestionBank rows to those ``can_view_bank`` (or, with
    ``editable``, ``can_edit_bank``) allows."""
    from .quizzes.models import QuestionBank

    return _scope_owned(stmt, user, QuestionBank.instansi_id, editable)


def _scope_owned(stmt: Select[Any], user: User, column: Any, editable: bool) -> Select[Any]:
    if not can_author_content(user):
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    own = column == user.instansi_id if user.instansi_id is not None else false()
    return stmt.where(own) if editable else stmt.where(or_(column.is_(None), own))


def can_view_quiz_setup(user: User, quiz: Any) -> bool:
    """Authors see their instansi's quizzes and the shipped ones (their settings and a sample draw)."""
    return can_author_content(user) and _own_or_shipped(user, quiz.instansi_id)


def can_edit_quiz(user: User, quiz: Any) -> bool:
    return can_author_content(user) and _own(user, quiz.instansi_id)


def scope_authored_quizzes(stmt: Select[Any], user: User, *, editable: bool = False) -> Select[Any]:
    """Limit a query selecting Quiz rows (any status) to those ``can_view_quiz_setup`` (or, with
    ``editable``, ``can_edit_quiz``) allows."""
    from .quizzes.models import Quiz

    return _scope_owned(stmt, user, Quiz.instansi_id, editable)


def can_edit_tag(user: User, tag: Any) -> bool:
    """Tags are shared by every bank: renaming one changes what everybody sees, so a trainer may
    rename only a tag that no question outside the banks they edit uses; the superadmin any."""
    from .db import db
    from .quizzes.models import Question, QuestionBank, QuestionTag

    if not can_author_content(user):
        return False
    if user.role == Role.SUPERADMIN:
        return True
    elsewhere = (
        select(QuestionTag.question_id)
        .join(Question, Question.id == QuestionTag.question_id)
        .join(QuestionBank, QuestionBank.id == Question.bank_id)
        .where(QuestionTag.tag_id == tag.id)
        .where(or_(QuestionBank.instansi_id.is_(None), QuestionBank.instansi_id != user.instansi_id))
        .limit(1)
    )
    return db.session.scalar(elsewhere) is None


def _trainer_or_hr(user: User) -> bool:
    """Trainers and admin BKPSDM with an instansi, operator SKPD with an SKPD, superadmin."""
    if not user.is_authenticated:
        return False
    if user.role == Role.OPERATOR_SKPD:
        return user.instansi_id is not None and user.skpd_id is not None
    if user.role in (Role.PELATIH, Role.ADMIN_BKPSDM):
        return user.instansi_id is not None
    return user.role == Role.SUPERADMIN


def can_analyse_quizzes(user: User) -> bool:
    """Item analysis: trainers and admin BKPSDM (their instansi), operator SKPD (own SKPD), superadmin."""
    return _trainer_or_hr(user)


def can_view_item_analysis(user: User, quiz: Any, skpd: Unit | None = None) -> bool:
    """The item analysis of ``quiz`` (a shipped quiz or one of the user's instansi), over all the
    attempts the user may see (``skpd`` None) or one SKPD's. An operator SKPD sees only their own
    SKPD; trainers and admin BKPSDM any SKPD of their instansi; the superadmin everything."""
    if not can_analyse_quizzes(user) or not _own_or_shipped(user, quiz.instansi_id):
        return False
    if user.role == Role.SUPERADMIN:
        return True
    if skpd is not None and (skpd.instansi_id != user.instansi_id or skpd.parent_id is not None):
        return False
    if user.role == Role.OPERATOR_SKPD:
        return skpd is not None and skpd.id == user.skpd_id
    return True


def scope_analysable_quizzes(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting Quiz rows to those whose item analysis the user may open."""
    from .quizzes.models import Quiz

    if not can_analyse_quizzes(user):
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    return stmt.where(or_(Quiz.instansi_id.is_(None), Quiz.instansi_id == user.instansi_id))


def scope_analysis_attempts(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query over Attempt rows to the attempts whose SKPD (at the start of the attempt) the
    user may analyse: the superadmin all, trainers and admin BKPSDM their instansi's SKPDs, an
    operator SKPD their own SKPD."""
    from .quizzes.models import Attempt

    if not can_analyse_quizzes(user):
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    if user.role == Role.OPERATOR_SKPD:
        return stmt.where(Attempt.skpd_id == user.skpd_id)
    skpds = select(Unit.id).where(Unit.instansi_id == user.instansi_id, Unit.parent_id.is_(None))
    return stmt.where(Attempt.skpd_id.in_(skpds))


def scope_analysis_live_answers(stmt: Select[Any], user: User) -> Select[Any]:
    """As ``scope_analysis_attempts``, over LiveAnswer rows (answers given at live events, placed by
    the SKPD of the person's attendance)."""
    from .events.models import LiveAnswer

    if not can_analyse_quizzes(user):
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    if user.role == Role.OPERATOR_SKPD:
        return stmt.where(LiveAnswer.skpd_id == user.skpd_id)
    skpds = select(Unit.id).where(Unit.instansi_id == user.instansi_id, Unit.parent_id.is_(None))
    return stmt.where(LiveAnswer.skpd_id.in_(skpds))


def can_see_course(user: User, course: Any) -> bool:
    """Shipped courses (no instansi) belong to everyone; an instansi's own courses to its people."""
    if not user.is_authenticated:
        return False
    return course.instansi_id is None or user.role == Role.SUPERADMIN or course.instansi_id == user.instansi_id


def can_read_course(user: User, course: Any) -> bool:
    """Learners read a course once a version of it is published."""
    return course.published_version_id is not None and can_see_course(user, course)


def can_take_quiz(user: User, quiz: Any) -> bool:
    """Learners take published quizzes: shipped ones (no instansi) and their own instansi's."""
    from .quizzes.models import QuizStatus

    if not user.is_authenticated or quiz.status != QuizStatus.PUBLISHED:
        return False
    return quiz.instansi_id is None or user.role == Role.SUPERADMIN or quiz.instansi_id == user.instansi_id


#: a jabatan naming a head: "Kepala SD Negeri 1 ...", "Kepala Puskesmas ...", also as Plt./Plh.
_HEAD_JABATAN = re.compile(r"^\s*(?:(?:plt|plh)\.?\s+)?kepala\s", re.IGNORECASE)


def is_leader(user: Any) -> bool:
    """A leader (pimpinan) for the quizzes written for leaders: a managerial jabatan (JPT, administrator,
    pengawas: ``JenisJabatan.is_manajerial``), a kepala wilayah (camat, lurah), or a head whose
    jabatan is fungsional with a tugas tambahan, recognised by the jabatan's name ("Kepala SD Negeri
    3 ...", "Kepala Puskesmas ...", "Plt. Kepala ..."): the roster has no other mark of it.
    quizzes/README.md explains the rule."""
    jenis = getattr(user, "jenis_jabatan", None)
    if jenis is not None and jenis.is_manajerial:
        return True
    if getattr(user, "is_kepala_wilayah", False):
        return True
    return bool(_HEAD_JABATAN.match(getattr(user, "jabatan", None) or ""))


def quiz_audiences(user: Any) -> frozenset[str]:
    """The audiences (``QuizAudience`` values) ``user`` belongs to; the superadmin belongs to all."""
    from .quizzes.models import QuizAudience

    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.role == Role.SUPERADMIN:
        return frozenset(QuizAudience)
    return frozenset({QuizAudience.PIMPINAN.value} if is_leader(user) else ())


def in_quiz_audience(user: Any, quiz: Any) -> bool:
    """The quiz is for ``user``: it has no audience, or ``user`` belongs to it. The learner's quiz
    list shows only such quizzes (``quizzes.attempts.my_quizzes``, in SQL from ``quiz_audiences``);
    starting and answering another quiz answers 404. Authors and HR see every quiz in authoring
    and analysis (this rule is about taking it)."""
    return quiz.audience is None or quiz.audience in quiz_audiences(user)


def can_view_attempt(user: User, attempt: Any) -> bool:
    """A quiz attempt is private to the person who made it (HR sees aggregates only)."""
    return user.is_authenticated and attempt.user_id == user.id


def can_sign_campaign(user: User, campaign: Any) -> bool:
    """A pakta integritas campaign is signed by the people of its instansi (each signs for
    themselves; the superadmin account belongs to no instansi and signs nothing)."""
    return user.is_authenticated and user.instansi_id is not None and campaign.instansi_id == user.instansi_id


class ParametricPerson:
    """Stands for a signed-in person of the instansi ``:instansi_id`` with ``role`` in the
    ``scope_*`` functions below, so a statement built from the one access rule can be built once
    per process and run with bind parameters (issue 14: building a statement took longer than
    running it). Only for rules that read ``role`` and ``instansi_id``."""

    is_authenticated = True

    def __init__(self, role: Role) -> None:
        self.role = role
        self.instansi_id = bindparam("instansi_id")


def scope_signable_campaigns(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting pledge Campaign rows to those ``can_sign_campaign`` allows."""
    from .pledges.models import Campaign

    if not user.is_authenticated or user.instansi_id is None:
        return stmt.where(false())
    return stmt.where(Campaign.instansi_id == user.instansi_id)


def can_assign_courses(user: User) -> bool:
    """Course assignment is HR work: operator SKPD (for their SKPD), admin BKPSDM, superadmin."""
    if not user.is_authenticated:
        return False
    if user.role == Role.OPERATOR_SKPD:
        return user.instansi_id is not None and user.skpd_id is not None
    return user.role in (Role.ADMIN_BKPSDM, Role.SUPERADMIN)


def can_assign_course(user: User, target: Instansi | Unit) -> bool:
    """Assign a course to a whole instansi (admin BKPSDM of it, superadmin) or to a unit and its
    subtree (also the operator SKPD whose SKPD contains the unit)."""
    if isinstance(target, Instansi):
        return can_manage_instansi(user, target)
    return can_manage_unit(user, target)


def can_manage_assignment(user: User, assignment: Any) -> bool:
    """Change the due date of, or withdraw, a CourseAssignment: whoever may assign to its target."""
    from .db import db

    if assignment.unit_id is None:
        instansi = db.session.get(Instansi, assignment.instansi_id)
        return instansi is not None and can_assign_course(user, instansi)
    unit = db.session.get(Unit, assignment.unit_id)
    return unit is not None and can_assign_course(user, unit)


def assignment_figures_skpd(user: User, instansi: Instansi) -> int | None:
    """The SKPD whose people count in the figures of ``instansi``'s assignments this HR user sees:
    an operator SKPD sees the instansi-wide assignments (read-only; they may not manage them)
    with their own SKPD's people only, as everything else of theirs; None: everyone covered
    (admin BKPSDM, superadmin)."""
    if user.is_authenticated and user.role == Role.OPERATOR_SKPD and user.instansi_id == instansi.id:
        return user.skpd_id
    return None


# --- pakta integritas: campaigns and who has signed (HR) ------------------------------------


def can_view_campaigns(user: User) -> bool:
    """The campaign pages for HR: admin BKPSDM and superadmin, and the operator SKPD (read-only,
    their own SKPD's figures)."""
    if not user.is_authenticated:
        return False
    if user.role == Role.OPERATOR_SKPD:
        return user.instansi_id is not None and user.skpd_id is not None
    if user.role == Role.ADMIN_BKPSDM:
        return user.instansi_id is not None
    return user.role == Role.SUPERADMIN


def can_manage_campaigns(user: User) -> bool:
    """Creating campaigns and moving their dates: admin BKPSDM (own instansi) and superadmin."""
    return can_view_campaigns(user) and user.role in (Role.ADMIN_BKPSDM, Role.SUPERADMIN)


def can_view_campaign(user: User, campaign: Any) -> bool:
    return can_view_campaigns(user) and (user.role == Role.SUPERADMIN or campaign.instansi_id == user.instansi_id)


def can_edit_campaign(user: User, campaign: Any) -> bool:
    return can_manage_campaigns(user) and can_view_campaign(user, campaign)


def can_view_campaign_skpd(user: User, campaign: Any, skpd: Unit) -> bool:
    """One perangkat daerah's figures, lists, exports and PDFs of a campaign: a top-level unit of
    the campaign's instansi; an operator SKPD only their own."""
    if not can_view_campaign(user, campaign) or skpd.instansi_id != campaign.instansi_id or skpd.parent_id is not None:
        return False
    return user.role != Role.OPERATOR_SKPD or skpd.id == user.skpd_id


def can_view_campaign_signature(user: User, campaign: Any, signature: Any) -> bool:
    """HR downloading one person's signed pledge: a signature of this campaign whose signer HR
    may see now (an operator: a person of their SKPD)."""
    return (
        signature.campaign_id == campaign.id
        and can_view_campaign(user, campaign)
        and can_view_person(user, signature.user)
    )


def scope_campaigns(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting Campaign rows to those ``can_view_campaign`` allows."""
    from .pledges.models import Campaign

    if not can_view_campaigns(user):
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    return stmt.where(Campaign.instansi_id == user.instansi_id)


# --- certificates per SKPD (HR) ----------------------------------------------------------------


def can_view_certificate_reports(user: User) -> bool:
    """HR's certificate pages: admin BKPSDM (their instansi), superadmin, and the operator SKPD
    (their own SKPD only)."""
    return can_view_campaigns(user)


def can_view_certificate_instansi(user: User, instansi: Instansi) -> bool:
    return can_view_certificate_reports(user) and (user.role == Role.SUPERADMIN or user.instansi_id == instansi.id)


def can_view_certificate_skpd(user: User, instansi: Instansi, skpd: Unit) -> bool:
    """One perangkat daerah's certificate figures, list, exports and ZIP: a top-level unit of the
    instansi; an operator SKPD only their own."""
    if not can_view_certificate_instansi(user, instansi):
        return False
    if skpd.instansi_id != instansi.id or skpd.parent_id is not None:
        return False
    return user.role != Role.OPERATOR_SKPD or skpd.id == user.skpd_id


def can_view_person_at(user: User, instansi_id: int | None, skpd_id: int | None) -> bool:
    """``can_view_person`` for someone known only by their current instansi and SKPD (a row of a
    report query), for HR viewers: whether their NIP and documents may be shown."""
    if not user.is_authenticated:
        return False
    if user.role == Role.SUPERADMIN:
        return True
    if instansi_id is None or instansi_id != user.instansi_id:
        return False
    if user.role == Role.ADMIN_BKPSDM:
        return True
    if user.role == Role.OPERATOR_SKPD:
        return user.skpd_id is not None and skpd_id == user.skpd_id
    return False


# --- query scoping -------------------------------------------------------------------------


def scope_units(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting Unit rows to the units this user may manage."""
    if not user.is_authenticated:
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    stmt = stmt.where(Unit.instansi_id == user.instansi_id)
    if user.role == Role.ADMIN_BKPSDM:
        return stmt
    if user.role == Role.OPERATOR_SKPD and user.skpd_id is not None:
        return stmt.where(Unit.skpd_id == user.skpd_id)
    return stmt.where(false())


def scope_people(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting User rows to the people this user may see as HR."""
    if not user.is_authenticated:
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    if user.role == Role.ADMIN_BKPSDM:
        return stmt.where(User.instansi_id == user.instansi_id)
    if user.role == Role.OPERATOR_SKPD and user.skpd_id is not None:
        units = select(Unit.id).where(Unit.skpd_id == user.skpd_id, Unit.instansi_id == user.instansi_id)
        return stmt.where(User.instansi_id == user.instansi_id, User.unit_id.in_(units))
    return stmt.where(User.id == user.id)


def scope_roster_imports(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting RosterImport rows to those ``can_view_roster_import`` allows."""
    from .roster.models import RosterImport

    if not user.is_authenticated:
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    stmt = stmt.where(RosterImport.instansi_id == user.instansi_id)
    if user.role == Role.ADMIN_BKPSDM:
        return stmt
    if user.role == Role.OPERATOR_SKPD and user.skpd_id is not None:
        return stmt.where(RosterImport.uploader_id == user.id, RosterImport.skpd_id == user.skpd_id)
    return stmt.where(false())


def scope_courses(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting Course rows to those ``can_read_course`` allows."""
    from .courses.models import Course

    if not user.is_authenticated:
        return stmt.where(false())
    stmt = stmt.where(Course.published_version_id.is_not(None))
    if user.role == Role.SUPERADMIN:
        return stmt
    return stmt.where(or_(Course.instansi_id.is_(None), Course.instansi_id == user.instansi_id))


def scope_quizzes(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting Quiz rows to those ``can_take_quiz`` allows."""
    from .quizzes.models import Quiz, QuizStatus

    if not user.is_authenticated:
        return stmt.where(false())
    stmt = stmt.where(Quiz.status == QuizStatus.PUBLISHED)
    if user.role == Role.SUPERADMIN:
        return stmt
    return stmt.where(or_(Quiz.instansi_id.is_(None), Quiz.instansi_id == user.instansi_id))


def scope_assignments(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a query selecting CourseAssignment rows to those ``can_manage_assignment`` allows.
    The statement must join ``Unit`` on ``CourseAssignment.unit_id`` (outer join: instansi-wide
    assignments have no unit)."""
    from .courses.models import CourseAssignment

    if not user.is_authenticated:
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    stmt = stmt.where(CourseAssignment.instansi_id == user.instansi_id)
    if user.role == Role.ADMIN_BKPSDM:
        return stmt
    if user.role == Role.OPERATOR_SKPD and user.skpd_id is not None:
        return stmt.where(CourseAssignment.unit_id.is_not(None), Unit.skpd_id == user.skpd_id)
    return stmt.where(false())


def scope_instansi(stmt: Select[Any], user: User) -> Select[Any]:
    if is_superadmin(user):
        return stmt
    if not user.is_authenticated or user.instansi_id is None:
        return stmt.where(false())
    return stmt.where(Instansi.id == user.instansi_id)


def require(predicate: Callable[[User], bool]) -> Callable[[F], F]:
    """View decorator for object-free checks (e.g. ``@require(is_hr)``); objects use 404 helpers."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def get_or_404(obj: Any, predicate: Callable[[User, Any], bool]) -> Any:
    """Return ``obj`` if it exists and the current user passes ``predicate``; else 404."""
    if obj is None or not predicate(current_user._get_current_object(), obj):
        abort(404)
    return obj


# --- completion certificates (HR) -----------------------------------------------------------


def can_view_certificate(user: User, certificate: Any) -> bool:
    """HR's detail page of a certificate: the superadmin, the admin BKPSDM of its instansi, the
    operator SKPD of the SKPD it was issued in (``Certificate.skpd_id``, the snapshot at issue
    time: the SKPD the certificate counts for). The holder has their own pages (/sertifikat/)."""
    if not user.is_authenticated:
        return False
    if user.role == Role.SUPERADMIN:
        return True
    if user.instansi_id is None or user.instansi_id != certificate.instansi_id:
        return False
    if user.role == Role.ADMIN_BKPSDM:
        return True
    return (user.role == Role.OPERATOR_SKPD and user.skpd_id is not None
            and certificate.skpd_id == user.skpd_id)


def can_revoke_certificate(user: User, certificate: Any) -> bool:
    """Revoking and reissuing: the admin BKPSDM of the certificate's instansi and the superadmin
    (as for the unit tree and the campaigns); the operator SKPD only views."""
    if not can_view_certificate(user, certificate):
        return False
    return user.role == Role.SUPERADMIN or (user.role == Role.ADMIN_BKPSDM
                                            and user.instansi_id == certificate.instansi_id)


def can_manage_certificate_settings(user: User, instansi: Instansi) -> bool:
    """An instansi's signatory, serial prefix, template and logo: its admin BKPSDM, the superadmin."""
    return can_manage_instansi(user, instansi)


# --- events: apel, sosialisasi, bimtek ------------------------------------------------------------


def can_create_events(user: User) -> bool:
    """Trainers and admin BKPSDM (their instansi), operator SKPD (events of their own SKPD), superadmin."""
    return _trainer_or_hr(user)


def can_manage_event(user: User, event: Any) -> bool:
    """Edit, cancel, run (projector, presenter), mark attendance, see the event's figures: trainers
    and admin BKPSDM of the event's instansi, the operator SKPD of the event's SKPD (an event of the
    whole instansi is the admin's and the trainers'), superadmin."""
    if not can_create_events(user):
        return False
    if user.role == Role.SUPERADMIN:
        return True
    if user.instansi_id != event.instansi_id:
        return False
    if user.role == Role.OPERATOR_SKPD:
        return event.skpd_id is not None and event.skpd_id == user.skpd_id
    return True


def can_join_event(user: User, event: Any) -> bool:
    """Check in and take part from a phone: any signed-in person of the event's instansi (whether
    they are in the audience is the event's own rule, ``events.services``)."""
    return user.is_authenticated and user.instansi_id is not None and user.instansi_id == event.instansi_id


def scope_managed_events(stmt: Select[Any], user: User) -> Select[Any]:
    """Events the user manages (``stmt`` selects from ``Event``)."""
    from .events.models import Event

    if not can_create_events(user):
        return stmt.where(false())
    if user.role == Role.SUPERADMIN:
        return stmt
    stmt = stmt.where(Event.instansi_id == user.instansi_id)
    if user.role == Role.OPERATOR_SKPD:
        stmt = stmt.where(Event.skpd_id == user.skpd_id)
    return stmt


def can_view_event_report(user: User, event: Any) -> bool:
    """The event's report and its exports (attendance, answers per SKPD, signatures at the event):
    whoever manages it (``can_manage_event``: trainers and admin BKPSDM of its instansi, so HR sees
    every event of their instansi; the operator SKPD of the event's SKPD; the superadmin)."""
    return can_manage_event(user, event)
