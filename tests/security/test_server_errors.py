"""Requests that once answered 5xx or a wrong 2xx (issue 18, item 9): each is now a 4xx problem naming the
field and changes nothing. (Item 2, a person's predicates read across agencies, is a row of the authorisation
matrix: tests/test_authorisation_matrix.py.)"""

import pytest

from services.employee.app import create_app as employee_app
from services.mutation.app import create_app as mutation_app
from services.training.app import create_app as training_app
from shared.testing import serve_in_process

pytestmark = pytest.mark.integration


async def test_a_date_sent_as_a_number_is_refused_not_read_as_1970(make_settings):
    async with serve_in_process(training_app(await make_settings("training"))) as training:
        for on in (0, "0", 1700000000):
            answer = await training.post("/api/v1/training/reminders", json={"on": on})
            assert answer.status_code == 422, answer.text
            assert answer.json()["errors"] == [{"field": "on", "message": "a date, written as YYYY-MM-DD"}]
        answer = await training.post("/api/v1/training/reminders", json={"on": "2026-12-07"})
        assert answer.status_code == 200, answer.text


async def test_a_forged_audit_cursor_is_a_problem_not_a_server_error(make_settings):
    async with serve_in_process(mutation_app(await make_settings("mutation"))) as mutation:
        answer = await mutation.get("/api/v1/audit", params={"cursor": "WyJhYmMiXQ=="})
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["cursor"]


async def test_an_empty_list_of_competencies_is_refused(make_settings):
    async with serve_in_process(employee_app(await make_settings("employee"))) as employee:
        answer = await employee.post("/api/v1/employees/198503122010011001/competencies", json=[])
        assert answer.status_code == 422, answer.text


async def test_a_method_a_route_does_not_take_is_405_with_allow(make_settings):
    async with serve_in_process(employee_app(await make_settings("employee"))) as employee:
        answer = await employee.request("OPTIONS", "/api/v1/employees")
        assert answer.status_code == 405, answer.text
        assert set(answer.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
