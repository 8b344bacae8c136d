"""Access rows for the live event (``/acara/<id>/presenter``, ``/acara/<id>/langsung``; ``Row`` is
injected by tests/test_access.py).

Scenario objects (see ``extend_scenario``): ``live_event`` (instansi A, whole instansi: admin BKPSDM
and trainers manage it, not the operator SKPD), ``live_event_skpd`` (instansi A, owned by SKPD X:
its operator manages it too), ``live_event_other`` (instansi B). The peserta is checked in to
``live_event``.

Presenter: people who can't create events at all get 403; an event they may not manage answers
404 (another instansi, or, for an operator, another SKPD's or the instansi's event). Phone: any
signed-in person of the event's instansi (the page itself tells who is not checked in); another
instansi's event, and the superadmin (no instansi), 404. A plain answer POST redirects back to the
phone page with its message (302).
"""

MANAGE_ALL = {"anon": 302, "peserta": 403, "pelatih": 200, "operator_skpd": 404, "admin_bkpsdm": 200,
              "superadmin": 200}
MANAGE_SKPD = {**MANAGE_ALL, "operator_skpd": 200}
MANAGE_OTHER = {"anon": 302, "peserta": 403, "pelatih": 404, "operator_skpd": 404, "admin_bkpsdm": 404,
                "superadmin": 200}
PHONE = {"anon": 302, "peserta": 200, "pelatih": 200, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 404}
PHONE_OTHER = {"anon": 302, "peserta": 404, "pelatih": 404, "operator_skpd": 404, "admin_bkpsdm": 404,
               "superadmin": 404}


def _post(expect):  # type: ignore[no-untyped-def]
    return {role: 302 if status == 200 else status for role, status in expect.items()}


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    import datetime as dt

    from elearn.db import db, utcnow
    from elearn.events.models import Attendance, CheckinMethod, Event, EventKind
    from elearn.org.services import get_instansi

    now = utcnow()
    with app.app_context():
        inst_a, inst_b = get_instansi(ids["instansi"]).id, get_instansi(ids["instansi_other"]).id

        def event(instansi_id, skpd_id=None):  # type: ignore[no-untyped-def]
            row = Event(instansi_id=instansi_id, skpd_id=skpd_id, kind=EventKind.APEL, title="Apel Pagi",
                        starts_at=now, ends_at=now + dt.timedelta(hours=1))
            db.session.add(row)
            db.session.flush()
            return row

        whole, skpd, other = event(inst_a), event(inst_a, ids["skpd_same"]), event(inst_b)
        db.session.add(Attendance(event_id=whole.id, user_id=users["peserta"].id, method=CheckinMethod.SCAN,
                                  unit_id=ids["unit_same"], skpd_id=ids["skpd_same"]))
        db.session.commit()
        return {"live_event": whole.id, "live_event_skpd": skpd.id, "live_event_other": other.id,
                "live_action": "end", "live_action_unknown": "lompat"}


ROWS = []
for _key, _manage, _phone in (("live_event", MANAGE_ALL, PHONE), ("live_event_skpd", MANAGE_SKPD, PHONE),
                              ("live_event_other", MANAGE_OTHER, PHONE_OTHER)):
    _base = "/acara/{" + _key + "}"
    ROWS += [
        Row("GET", _base + "/presenter", _manage),  # noqa: F821
        Row("GET", _base + "/presenter/status", _manage),  # noqa: F821
        # "end" is legal from the waiting phase: applied (or refused with a message), back to the view
        Row("POST", _base + "/presenter/{live_action}", _post(_manage), data={"version": "0"}),  # noqa: F821
        Row("GET", _base + "/langsung", _phone),  # noqa: F821
        Row("GET", _base + "/langsung/state", _phone),  # noqa: F821
        Row("GET", _base + "/langsung/soal", _phone),  # noqa: F821
        Row("POST", _base + "/langsung/jawab", _post(_phone), data={"position": "0", "options": "a"}),  # noqa: F821
    ]
ROWS += [
    # an action that does not exist: 404 for those who may manage the event
    Row("POST", "/acara/{live_event}/presenter/{live_action_unknown}",  # noqa: F821
        {**_post(MANAGE_ALL), "pelatih": 404, "admin_bkpsdm": 404, "superadmin": 404}, data={"version": "0"}),
]
