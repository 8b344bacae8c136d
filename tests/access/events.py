"""Access rows for events (``/acara``) and the phone's check-in (``/hadir``); ``Row`` is injected by
tests/test_access.py.

Managing an event (edit, cancel, projector, attendance): trainers and admin BKPSDM of its instansi,
the operator SKPD of the event's SKPD only, superadmin; peserta 403; another instansi's event, or
for an operator an event of the whole instansi or of another SKPD, 404. Seeing an event: its
managers and anyone of its instansi. ``/hadir`` is public (a scan before sign-in keeps a ticket)."""

ANON = {"anon": 302}
ALL_SIGNED_IN = {**ANON, "peserta": 200, "pelatih": 200, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}
PUBLIC = {**ALL_SIGNED_IN, "anon": 200}
CREATORS = {**ANON, "peserta": 403, "pelatih": 200, "operator_skpd": 200, "admin_bkpsdm": 200, "superadmin": 200}


def manage(ok: int, *, operator: bool, same_instansi: bool = True) -> dict[str, int]:
    """Statuses for an event route: ``ok`` for who manages it."""
    inside = ok if same_instansi else 404
    return {**ANON, "peserta": 403, "pelatih": inside, "operator_skpd": ok if operator else 404,
            "admin_bkpsdm": inside, "superadmin": ok}


# the events of the scenario: of the whole instansi A, of SKPD X (the operator's), of SKPD Y, of instansi B
EVENTS = [("ev_inst", 200, False, True), ("ev_skpd", 200, True, True), ("ev_skpd_other", 200, False, True),
          ("ev_other", 200, False, False)]

ROWS = [
    Row("GET", "/acara/", ALL_SIGNED_IN),  # noqa: F821
    Row("GET", "/acara/baru", CREATORS),  # noqa: F821  (superadmin: choose the instansi)
    Row("GET", "/acara/baru?instansi={instansi}", CREATORS),  # noqa: F821
    Row("GET", "/acara/baru?instansi=tidak-ada", {**CREATORS, "superadmin": 404}),  # noqa: F821
    Row("POST", "/acara/baru?instansi={instansi}", CREATORS, data={"title": ""}),  # noqa: F821  (form errors)
    Row("GET", "/hadir", PUBLIC),  # noqa: F821
    Row("GET", "/hadir?kode=ABCDEF", PUBLIC),  # noqa: F821  (a wrong code: the form with a message)
    Row("POST", "/hadir", PUBLIC, data={"kode": "ABCDEF"}),  # noqa: F821
]
for key, ok, operator, same in EVENTS:
    base = "/acara/{" + key + "}"
    rows = manage(ok, operator=operator, same_instansi=same)
    see = {**ANON, "peserta": 200 if same else 404, "pelatih": 200 if same else 404,
           "operator_skpd": 200 if same else 404, "admin_bkpsdm": 200 if same else 404, "superadmin": 200}
    redirect = {k: (302 if v == 200 else v) for k, v in rows.items()}
    ROWS += [
        Row("GET", base, see),  # noqa: F821
        Row("GET", base + "/ubah", rows),  # noqa: F821
        Row("POST", base + "/ubah", rows, data={"title": ""}),  # noqa: F821  (form errors)
        Row("POST", base + "/batal", redirect),  # noqa: F821
        Row("GET", base + "/layar-hadir", rows),  # noqa: F821
        Row("GET", base + "/layar-hadir/status", rows),  # noqa: F821
        Row("GET", base + "/kehadiran", rows),  # noqa: F821
        Row("GET", base + "/kehadiran?q=Pegawai", rows),  # noqa: F821
        Row("POST", base + "/kehadiran/impor", rows),  # noqa: F821  (no file: the form with a message)
    ]
#: marking by hand: the person must be of the instansi (an operator: of their SKPD)
ROWS += [
    Row("POST", "/acara/{ev_skpd}/kehadiran", {**ANON, "peserta": 403, "pelatih": 302, "operator_skpd": 302,  # noqa: F821
                                                "admin_bkpsdm": 302, "superadmin": 302},
        data={"user_id": "{person_same}"}),
    Row("POST", "/acara/{ev_skpd}/kehadiran", {**ANON, "peserta": 403, "pelatih": 302, "operator_skpd": 404,  # noqa: F821
                                                "admin_bkpsdm": 302, "superadmin": 302},
        data={"user_id": "{person_other_skpd}"}),
    Row("POST", "/acara/{ev_inst}/kehadiran", {**ANON, "peserta": 403, "pelatih": 404, "operator_skpd": 404,  # noqa: F821
                                                "admin_bkpsdm": 404, "superadmin": 404},
        data={"user_id": "{person_other_instansi}"}),
    Row("POST", "/acara/{ev_other}/kehadiran", {**ANON, "peserta": 403, "pelatih": 404, "operator_skpd": 404,  # noqa: F821
                                                 "admin_bkpsdm": 404, "superadmin": 302},
        data={"user_id": "{person_other_instansi}"}),
]


def extend_scenario(app, ids, users):  # type: ignore[no-untyped-def]
    import datetime as dt

    from elearn.accounts.models import User
    from elearn.db import db, utcnow
    from elearn.events.models import Event, EventKind

    with app.app_context():
        instansi_a = db.session.get(User, ids["person_same"]).instansi_id
        instansi_b = db.session.get(User, ids["person_other_instansi"]).instansi_id
        now = utcnow()
        extra = {}
        for key, instansi_id, skpd_id in (("ev_inst", instansi_a, None), ("ev_skpd", instansi_a, ids["skpd_same"]),
                                          ("ev_skpd_other", instansi_a, ids["skpd_other"]),
                                          ("ev_other", instansi_b, None)):
            event = Event(instansi_id=instansi_id, skpd_id=skpd_id, kind=EventKind.APEL, title=f"Apel {key}",
                          place="Halaman", starts_at=now + dt.timedelta(minutes=5),
                          ends_at=now + dt.timedelta(minutes=65))
            db.session.add(event)
            db.session.flush()
            extra[key] = event.id
        db.session.commit()
        return extra
