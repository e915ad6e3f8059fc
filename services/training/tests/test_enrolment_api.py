"""Sessions and enrolment on the real database and broker: seats and the waiting list with promotion on
cancellation, attendance per day, completion with JP and certificate, the Kirkpatrick evaluation, and the
reminders; bad input gets a clear 4xx and changes nothing."""

from datetime import date, timedelta

import pytest

from services.training.app import create_app
from services.training.tests.support import (
    AGENCY,
    OTHER_AGENCY,
    as_employee,
    as_hr,
    as_supervisor,
    create_programme,
    days,
    define_agencies,
    define_unit,
    enrol,
    if_match,
    known,
    nip,
    outbox_events,
    outbox_size,
    register,
    schedule,
)
from shared.testing import serve_in_process

# Dates decide what these tests expect: CI also runs them with the machine clock shifted (Makefile).
pytestmark = [pytest.mark.integration, pytest.mark.calendar]

A, B, C, D = (nip(i) for i in range(1, 5))
HEAD = nip(9)


async def test_a_full_session_keeps_a_waiting_list_and_a_cancellation_promotes_the_first(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        for employee in (A, B, C, D):
            await register(app, employee)
        await known(client, A, B, C, D)
        programme = await create_programme(client, "PKP-01")
        session = await schedule(client, programme, starts=10, capacity=2, waiting_list_capacity=1)

        statuses = []
        for employee in (A, B, C):
            response = await enrol(client, session, employee)
            assert response.status_code == 201, response.text
            statuses.append(response.json()["status"])
        assert statuses == ["enrolled", "enrolled", "waitlisted"]
        waiting = (await enrol(client, session, C)).json()
        assert waiting["type"].endswith("already-enrolled")

        full = await enrol(client, session, D)
        assert full.status_code == 409 and full.json()["type"].endswith("session-full")
        assert full.headers["content-type"].startswith("application/problem+json")

        seats = (await client.get(f"/api/v1/sessions/{session['id']}")).json()
        assert (seats["seats_taken"], seats["free_seats"], seats["waiting"]) == (2, 0, 1)

        listed = (await client.get("/api/v1/enrolments", params={"session": session["id"]})).json()["items"]
        by_nip = {e["nip"]: e for e in listed}
        waiting_c = (await client.get(f"/api/v1/enrolments/{by_nip[C]['id']}")).json()
        assert waiting_c["waiting_position"] == 1

        # A withdraws: C moves up and is told so by an `enrolled` event.
        cancelled = await client.post(
            f"/api/v1/enrolments/{by_nip[A]['id']}/cancellation",
            json={"reason": "tugas dinas luar"},
            headers=as_employee(app, A),
        )
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        promoted = (await client.get(f"/api/v1/enrolments/{by_nip[C]['id']}")).json()
        assert (promoted["status"], promoted["waiting_position"]) == ("enrolled", None)
        enrolled = await outbox_events(app, "asn.training.participant.enrolled")
        assert [(e["data"]["nip"], e["data"]["promoted_from_waiting_list"]) for e in enrolled] == [
            (A, False),
            (B, False),
            (C, True),
        ]
        again = await client.post(f"/api/v1/enrolments/{by_nip[A]['id']}/cancellation")
        assert again.status_code == 409

        # Someone else cannot cancel A's colleague's seat.
        refused = await client.post(
            f"/api/v1/enrolments/{by_nip[B]['id']}/cancellation", headers=as_employee(app, A)
        )
        assert refused.status_code == 403

        # More seats move the waiting list up: D waits, then gets the new seat.
        assert (await enrol(client, session, D)).json()["status"] == "waitlisted"
        current = (await client.get(f"/api/v1/sessions/{session['id']}")).json()
        grown = await client.patch(
            f"/api/v1/sessions/{session['id']}", json={"capacity": 3}, headers=if_match(current)
        )
        assert grown.status_code == 200, grown.text
        assert (grown.json()["seats_taken"], grown.json()["waiting"]) == (3, 0)
        stale = await client.patch(
            f"/api/v1/sessions/{session['id']}", json={"capacity": 4}, headers=if_match(current)
        )
        assert stale.status_code == 412
        shrink = await client.patch(
            f"/api/v1/sessions/{session['id']}", json={"capacity": 1}, headers=if_match(grown.json())
        )
        assert shrink.status_code == 422 and shrink.json()["errors"][0]["field"] == "capacity"


async def test_completion_needs_attendance_awards_jp_and_issues_the_certificate(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        await define_unit(app, "unit-a", head_position_id="pos-head")
        await register(app, HEAD, position_id="pos-head", rank_code="IV/a")
        for employee in (A, B):
            await register(app, employee)
        await known(client, HEAD, A, B)
        programme = await create_programme(
            client, "TEK-01", jp=30, certificate_validity_months=24, follow_up_weeks=6, form="bimtek"
        )
        session = await schedule(client, programme, starts=-2, length=3, min_attendance_percent=100)
        first = (await enrol(client, session, A)).json()
        second = (await enrol(client, session, B)).json()
        before = await outbox_size(app)

        # Without any attendance, completion is refused and nothing changes.
        refused = await client.post(f"/api/v1/enrolments/{first['id']}/completion")
        assert refused.status_code == 409 and refused.json()["type"].endswith("attendance-missing")
        assert (await client.get(f"/api/v1/enrolments/{first['id']}")).json()["status"] == "enrolled"
        assert await outbox_size(app) == before

        for offset in range(3):
            day = days(-2 + offset).isoformat()
            marked = await client.put(
                f"/api/v1/sessions/{session['id']}/attendance/{day}",
                json={"attendance": [{"nip": A, "present": True}, {"nip": B, "present": offset != 1}]},
                headers=as_hr(app),
            )
            assert marked.status_code == 200, marked.text
        outside = await client.put(
            f"/api/v1/sessions/{session['id']}/attendance/{days(-20).isoformat()}",
            json={"attendance": [{"nip": A, "present": True}]},
        )
        assert outside.status_code == 422
        stranger = await client.put(
            f"/api/v1/sessions/{session['id']}/attendance/{days(-2).isoformat()}",
            json={"attendance": [{"nip": nip(77), "present": True}]},
        )
        assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "attendance.0.nip"
        foreign_hr = await client.put(
            f"/api/v1/sessions/{session['id']}/attendance/{days(-2).isoformat()}",
            json={"attendance": [{"nip": A, "present": False}]},
            headers=as_hr(app, OTHER_AGENCY),
        )
        assert foreign_hr.status_code == 403

        short = await client.post(f"/api/v1/enrolments/{second['id']}/completion")
        assert short.status_code == 409 and short.json()["type"].endswith("attendance-insufficient")

        done = await client.post(f"/api/v1/enrolments/{first['id']}/completion", headers=as_hr(app))
        assert done.status_code == 200, done.text
        completed = done.json()
        assert completed["status"] == "completed"
        assert completed["completion"] == {
            "completed_on": days(0).isoformat(),
            "jp": 30,
            "title": "Pelatihan TEK-01",
            "attendance_percent": "100.00",
        }
        certificate = completed["certificate"]
        assert certificate["number"] == f"TEK-01/{days(0).year}/00001"
        assert certificate["valid_until"] is not None
        assert completed["supervisor_nip"] == HEAD
        assert [d["present"] for d in completed["attendance"]] == [True, True, True]
        twice = await client.post(f"/api/v1/enrolments/{first['id']}/completion")
        assert twice.status_code == 409 and twice.json()["type"].endswith("already-completed")

        (event,) = await outbox_events(app, "asn.training.participant.completed")
        assert (event["subject"], event["data"]["jp"]) == (A, 30)
        assert event["data"]["competencies"] == [{"competency": "Komunikasi", "level": 3}]
        (issued,) = await outbox_events(app, "asn.training.certificate.issued")
        assert issued["data"]["number"] == certificate["number"]

        jp = (await client.get(f"/api/v1/jp/{A}", params={"year": days(0).year})).json()
        assert (jp["total"], jp["required"], jp["meets_right"]) == (30, 20, True)

        # Kirkpatrick: tests by the organiser, the form by the participant, the follow-up by the supervisor.
        scored = await client.put(
            f"/api/v1/enrolments/{first['id']}/test-scores", json={"pre_test": 55, "post_test": 85}
        )
        assert scored.json()["tests"] == {"pre_test": "55.00", "post_test": "85.00", "gain": "30.00"}
        ratings = {"relevance": 5, "content": 4, "trainers": 5, "organisation": 3, "overall": 4}
        not_mine = await client.put(
            f"/api/v1/enrolments/{first['id']}/reaction",
            json={"ratings": ratings},
            headers=as_employee(app, B),
        )
        assert not_mine.status_code == 403
        incomplete = await client.put(
            f"/api/v1/enrolments/{first['id']}/reaction",
            json={"ratings": {"relevance": 5}},
            headers=as_employee(app, A),
        )
        assert incomplete.status_code == 422
        reacted = await client.put(
            f"/api/v1/enrolments/{first['id']}/reaction",
            json={"ratings": ratings, "comment": "Materi sangat relevan"},
            headers=as_employee(app, A),
        )
        assert reacted.status_code == 200, reacted.text
        not_supervisor = await client.put(
            f"/api/v1/enrolments/{first['id']}/follow-up",
            json={"behaviour": 4, "results": 3},
            headers=as_supervisor(app, B),
        )
        assert not_supervisor.status_code == 403
        followed = await client.put(
            f"/api/v1/enrolments/{first['id']}/follow-up",
            json={"behaviour": 4, "results": 3, "notes": "Menerapkan di layanan"},
            headers=as_supervisor(app, HEAD),
        )
        assert followed.status_code == 200, followed.text

        report = (await client.get(f"/api/v1/programmes/{programme['id']}/evaluation")).json()
        assert (report["participants"], report["completed"], report["jp_awarded"]) == (2, 1, 30)
        assert report["reaction"]["responses"] == 1 and report["reaction"]["mean"] == "4.20"
        assert report["learning"]["mean_gain"] == "30.00" and report["learning"]["improved"] == 1
        assert (report["behaviour"]["evaluated"], report["behaviour"]["mean"]) == (1, "4.00")
        assert report["results"]["mean"] == "3.00"


async def test_reminders_go_out_once_for_due_follow_ups_and_expiring_certificates(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        await register(app, A)
        await known(client, A)
        programme = await create_programme(client, "K3-01", certificate_validity_months=6, follow_up_weeks=1)
        session = await schedule(client, programme, starts=0, length=1)
        enrolment = (await enrol(client, session, A)).json()
        await client.put(
            f"/api/v1/sessions/{session['id']}/attendance/{days(0).isoformat()}",
            json={"attendance": [{"nip": A, "present": True}]},
        )
        completed = (await client.post(f"/api/v1/enrolments/{enrolment['id']}/completion")).json()
        assert completed["follow_up"]["due_on"] == days(7).isoformat()
        valid_until = date.fromisoformat(completed["certificate"]["valid_until"])
        assert valid_until - days(0) > timedelta(days=180)

        # Nothing is due today: the follow-up comes a week after, the expiry notice 90 days before the end.
        today = (await client.post("/api/v1/training/reminders", json={})).json()
        assert (today["certificates_expiring"], today["follow_ups_requested"]) == (0, 0)
        forbidden = await client.post("/api/v1/training/reminders", json={}, headers=as_hr(app))
        assert forbidden.status_code == 403
        week_later = {"on": days(10).isoformat()}
        sent = (await client.post("/api/v1/training/reminders", json=week_later)).json()
        assert (sent["certificates_expiring"], sent["follow_ups_requested"]) == (0, 1)
        notice = {"on": (valid_until - timedelta(days=90)).isoformat()}
        sent = (await client.post("/api/v1/training/reminders", json=notice)).json()
        assert (sent["certificates_expiring"], sent["follow_ups_requested"]) == (1, 0)
        for again_on in (week_later, notice):
            again = (await client.post("/api/v1/training/reminders", json=again_on)).json()
            assert (again["certificates_expiring"], again["follow_ups_requested"]) == (0, 0)

        (expiring,) = await outbox_events(app, "asn.training.certificate.expiring")
        assert expiring["data"]["number"] == completed["certificate"]["number"]
        assert expiring["data"]["days_left"] == 90
        (follow_up,) = await outbox_events(app, "asn.training.follow-up.requested")
        assert (follow_up["data"]["nip"], follow_up["data"]["due_on"]) == (A, days(7).isoformat())
        certificates = (await client.get("/api/v1/training/certificates", params={"nip": A})).json()["items"]
        assert [c["expiry_reminded"] for c in certificates] == [True]
        mine = await client.get(
            "/api/v1/training/certificates", params={"nip": A}, headers=as_employee(app, A)
        )
        assert mine.status_code == 200 and len(mine.json()["items"]) == 1
        others = await client.get("/api/v1/training/certificates", headers=as_employee(app, B))
        assert others.status_code == 403


async def test_bad_input_is_refused_clearly_and_changes_nothing(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        for employee in (A, B):
            await register(app, employee)
        await known(client, A, B)
        programme = await create_programme(client, "ORI-01")
        session = await schedule(client, programme, starts=5, capacity=1, waiting_list_capacity=0)
        first = await enrol(client, session, A)
        assert first.status_code == 201
        before = await outbox_size(app)

        unknown_programme = await client.post(
            "/api/v1/programmes/00000000-0000-0000-0000-000000000000/sessions",
            json={
                "starts_on": days(5).isoformat(),
                "ends_on": days(6).isoformat(),
                "delivery": "online",
                "online_url": "https://zoom.example/x",
                "capacity": 10,
            },
        )
        assert unknown_programme.status_code == 404
        assert unknown_programme.json()["type"].endswith("unknown-programme")

        twice = await enrol(client, session, A)
        assert twice.status_code == 409 and twice.json()["type"].endswith("already-enrolled")
        over = await enrol(client, session, B)
        assert over.status_code == 409 and over.json()["type"].endswith("session-full")
        no_waiting = await enrol(client, session, B, join_waiting_list=False)
        assert no_waiting.status_code == 409
        stranger = await enrol(client, session, nip(88))
        assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "nip"
        not_started = await client.post(f"/api/v1/enrolments/{first.json()['id']}/completion")
        assert not_started.status_code == 422  # the session has not begun
        bad_session = await client.post(
            f"/api/v1/programmes/{programme['id']}/sessions",
            json={
                "starts_on": days(5).isoformat(),
                "ends_on": days(4).isoformat(),
                "delivery": "in_person",
                "capacity": 0,
            },
        )
        assert bad_session.status_code == 422
        other_hr = await client.post(
            f"/api/v1/sessions/{session['id']}/enrolments", json={"nip": B}, headers=as_hr(app, OTHER_AGENCY)
        )
        assert other_hr.status_code == 403
        other_self = await client.post(
            f"/api/v1/sessions/{session['id']}/enrolments", json={"nip": B}, headers=as_employee(app, A)
        )
        assert other_self.status_code == 403

        state = (await client.get(f"/api/v1/sessions/{session['id']}")).json()
        assert (state["seats_taken"], state["waiting"], state["version"]) == (1, 0, 1)
        listed = (await client.get("/api/v1/enrolments", params={"session": session["id"]})).json()["items"]
        assert [e["nip"] for e in listed] == [A]
        assert await outbox_size(app) == before
        sessions = (await client.get("/api/v1/sessions", params={"programme": programme["id"]})).json()[
            "items"
        ]
        assert len(sessions) == 1


async def test_reports_count_what_was_awarded_not_the_programme_as_revised_later(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        for employee in (A, B, C):
            await register(app, employee)
        await known(client, A, B, C)
        programme = await create_programme(client, "SEJ-01", title="Bimtek Arsip 2026", jp=18, form="bimtek")
        session = await schedule(client, programme, starts=0, length=1, capacity=3)
        enrolled = [(await enrol(client, session, employee)).json() for employee in (A, B, C)]
        marked = await client.put(
            f"/api/v1/sessions/{session['id']}/attendance/{days(0).isoformat()}",
            json={"attendance": [{"nip": e, "present": True} for e in (A, B, C)]},
        )
        assert marked.status_code == 200, marked.text
        for enrolment in enrolled:
            done = await client.post(f"/api/v1/enrolments/{enrolment['id']}/completion")
            assert done.status_code == 200, done.text

        revised = await client.patch(
            f"/api/v1/programmes/{programme['id']}",
            json={"jp": 20, "title": "Bimtek Arsip Digital"},
            headers=if_match(programme),
        )
        assert revised.status_code == 200, revised.text

        report = (await client.get(f"/api/v1/programmes/{programme['id']}/evaluation")).json()
        assert (report["completed"], report["jp_awarded"]) == (3, 54)
        year = days(0).year
        jp = (await client.get(f"/api/v1/jp/{A}", params={"year": year})).json()
        assert [(e["title"], e["jp"]) for e in jp["entries"]] == [("Bimtek Arsip 2026", 18)]
        assert (jp["total"], jp["by_year"]) == (18, {str(year): 18})
        compliance = (
            await client.get("/api/v1/jp/compliance", params={"agency": AGENCY, "year": year})
        ).json()
        assert sorted((b["nip"], b["jp"]) for b in compliance["below"]) == [(A, 18), (B, 18), (C, 18)]
        certificates = (await client.get("/api/v1/training/certificates", params={"nip": A})).json()["items"]
        assert [c["title"] for c in certificates] == ["Bimtek Arsip 2026"]
        detail = (await client.get(f"/api/v1/enrolments/{enrolled[0]['id']}")).json()
        assert (detail["completion"]["jp"], detail["completion"]["title"]) == (18, "Bimtek Arsip 2026")


async def test_hr_enters_a_supervisors_follow_up_only_explicitly_with_a_reason(make_settings):
    app = create_app(await make_settings("training"))
    async with serve_in_process(app) as client:
        await define_agencies(app, AGENCY, OTHER_AGENCY)
        await define_unit(app, "unit-a", head_position_id="pos-head")
        await register(app, HEAD, position_id="pos-head", rank_code="IV/a")
        for employee in (A, B):
            await register(app, employee)
        await known(client, HEAD, A, B)
        programme = await create_programme(client, "TL-01", follow_up_weeks=1)
        session = await schedule(client, programme, starts=0, length=1)
        enrolled = [(await enrol(client, session, employee)).json() for employee in (A, B)]
        await client.put(
            f"/api/v1/sessions/{session['id']}/attendance/{days(0).isoformat()}",
            json={"attendance": [{"nip": A, "present": True}, {"nip": B, "present": True}]},
        )
        first, second = [
            (await client.post(f"/api/v1/enrolments/{e['id']}/completion")).json() for e in enrolled
        ]
        ratings = {"behaviour": 4, "results": 3}

        silent = await client.put(
            f"/api/v1/enrolments/{first['id']}/follow-up", json=ratings, headers=as_hr(app)
        )
        assert silent.status_code == 403, silent.text
        assert silent.json()["type"].endswith("acting-as-someone-else")
        assert [e["field"] for e in silent.json()["errors"]] == ["on_behalf_reason"]
        reasoned_by_the_supervisor = await client.put(
            f"/api/v1/enrolments/{first['id']}/follow-up",
            json={**ratings, "on_behalf_reason": "Formulir"},
            headers=as_supervisor(app, HEAD),
        )
        assert reasoned_by_the_supervisor.status_code == 422
        assert (await client.get(f"/api/v1/enrolments/{first['id']}")).json()["follow_up"][
            "behaviour"
        ] is None

        entered = await client.put(
            f"/api/v1/enrolments/{first['id']}/follow-up",
            json={**ratings, "on_behalf_reason": "Formulir evaluasi atasan ditandatangani 7 Desember"},
            headers=as_hr(app),
        )
        assert entered.status_code == 200, entered.text
        follow_up = entered.json()["follow_up"]
        assert (follow_up["evaluated_by"], follow_up["evaluator_nip"], follow_up["on_behalf_reason"]) == (
            "bkd",
            HEAD,
            "Formulir evaluasi atasan ditandatangani 7 Desember",
        )
        own = await client.put(
            f"/api/v1/enrolments/{second['id']}/follow-up", json=ratings, headers=as_supervisor(app, HEAD)
        )
        assert own.status_code == 200, own.text
        assert (own.json()["follow_up"]["evaluator_nip"], own.json()["follow_up"]["on_behalf_reason"]) == (
            HEAD,
            None,
        )

        audit = (await client.get("/api/v1/training/audit")).json()["items"]
        assert [(e["actor"], e["action"], e["subject_id"]) for e in audit] == [
            ("bkd", "enrolment.follow-up-on-behalf", first["id"])
        ]
        assert audit[0]["data"]["on_behalf_of"] == HEAD
