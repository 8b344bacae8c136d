"""Access rows for the event report (``/acara/<id>/laporan`` and its CSV/XLSX; ``Row`` is injected
by tests/test_access.py).

Who manages the event sees its report (``authz.can_view_event_report``): trainers and admin BKPSDM
of the event's instansi (any of its events, an SKPD's too), the operator SKPD of the event's own
SKPD, the superadmin. Everyone else signed in gets 404 (the event's existence is not revealed);
anonymous visitors go to the sign-in page."""

#: an event of the whole instansi A
ALL = {"anon": 302, "peserta": 404, "pelatih": 200, "operator_skpd": 404, "admin_bkpsdm": 200, "superadmin": 200}
#: an event of SKPD X (the operator's own)
OWN_SKPD = {**ALL, "operator_skpd": 200}
#: an event of SKPD Y (another SKPD of instansi A)
OTHER_SKPD = ALL
#: an event of instansi B
OTHER_INSTANSI = {"anon": 302, "peserta": 404, "pelatih": 404, "operator_skpd": 404, "admin_bkpsdm": 404,
                  "superadmin": 200}
MISSING = {"anon": 302, "peserta": 404, "pelatih": 404, "operator_skpd": 404, "admin_bkpsdm": 404,
           "superadmin": 404}

ROWS = []
for _suffix in ("", ".csv", ".xlsx"):
    ROWS += [
        Row("GET", "/acara/{report_event_all}/laporan" + _suffix, ALL),  # noqa: F821
        Row("GET", "/acara/{report_event_own_skpd}/laporan" + _suffix, OWN_SKPD),  # noqa: F821
        Row("GET", "/acara/{report_event_other_skpd}/laporan" + _suffix, OTHER_SKPD),  # noqa: F821
        Row("GET", "/acara/{report_event_other_instansi}/laporan" + _suffix, OTHER_INSTANSI),  # noqa: F821
        Row("GET", "/acara/999999/laporan" + _suffix, MISSING),  # noqa: F821
    ]


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    """Four events (plain inserts), each with one person present."""
    import datetime as dt

    from elearn.db import db, utcnow
    from elearn.events.models import Attendance, CheckinMethod, Event, EventKind
    from elearn.org.models import Unit
    from elearn.org.services import get_instansi

    with app.app_context():
        start = utcnow() - dt.timedelta(days=1)
        skpd_x = db.session.get(Unit, ids["skpd_same"])
        skpd_y = db.session.get(Unit, ids["skpd_other"])
        inst_a, inst_b = get_instansi(ids["instansi"]), get_instansi(ids["instansi_other"])

        def event(instansi_id, skpd_id, person_id, unit_id):  # type: ignore[no-untyped-def]
            row = Event(instansi_id=instansi_id, skpd_id=skpd_id, kind=EventKind.APEL, title="Apel Akses",
                        starts_at=start, ends_at=start + dt.timedelta(hours=1))
            db.session.add(row)
            db.session.flush()
            unit = db.session.get(Unit, unit_id)
            db.session.add(Attendance(event_id=row.id, user_id=person_id, method=CheckinMethod.MANUAL,
                                      unit_id=unit_id, skpd_id=unit.skpd_id))
            return row.id

        found = {
            "report_event_all": event(inst_a.id, None, ids["person_same"], ids["unit_same"]),
            "report_event_own_skpd": event(inst_a.id, skpd_x.id, ids["person_same"], ids["unit_same"]),
            "report_event_other_skpd": event(inst_a.id, skpd_y.id, ids["person_other_skpd"], skpd_y.id),
            "report_event_other_instansi": event(inst_b.id, None, ids["person_other_instansi"],
                                                 ids["skpd_other_instansi"]),
        }
        db.session.commit()
    return found
