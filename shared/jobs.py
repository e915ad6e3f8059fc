"""Jobs: long work (imports, exports, placement solves) answered with `202 Accepted` and a job resource that
reports its state, progress and result (ARCHITECTURE.md §8).

A job is a coroutine run as an asyncio task of the process that accepted it; its row in the service's `jobs`
table is what callers poll, written through short transactions of its own so progress shows while the work's
own transaction is still open. Each process heartbeats the jobs it holds; a job whose heartbeat stopped (its
process died) is marked failed, so none stays `running` forever.

A job is read and cancelled by the one who submitted it, or by an administrator whose scope covers theirs
(to anyone else it does not exist). Cancelled, its row turns `cancelled` at once and its task is cancelled at
its next await (the process holding it learns of a cancellation made through another within a heartbeat), so
the work stops between two batches and its transaction rolls back. Work that reads in a thread stops there
too when it watches a stop flag.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import JSON, Column, Index, MetaData, String, Table, Uuid, insert, select, update

from shared import clock, context
from shared.auth import PrincipalDep
from shared.db import Database, UtcDateTime
from shared.errors import DomainError, NotFound
from shared.principal import Principal, Role
from shared.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, Problem

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNFINISHED = (JobState.QUEUED.value, JobState.RUNNING.value)


def jobs_table(metadata: MetaData) -> Table:
    """The `jobs` table, added to a service's own metadata like the outbox."""
    table = Table(
        "jobs",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("kind", String(100), nullable=False, comment="what the job does, e.g. employees.import"),
        Column("state", String(20), nullable=False),
        Column("params", JSON, nullable=False, comment="what the job was asked to do"),
        Column("progress", JSON, nullable=False, comment="counters the work reports, e.g. validated, total"),
        Column("result", JSON, comment="what a succeeded job produced"),
        Column("problem", JSON, comment="why a failed job failed: an RFC 9457 problem"),
        Column("actor", String(200), nullable=False),
        Column(
            "actor_agencies",
            JSON,
            comment="the submitter's agencies (null: all), whose administrators may cancel the job",
        ),
        Column("runner", Uuid, nullable=False, comment="the process that runs the job"),
        Column("created_at", UtcDateTime, nullable=False),
        Column("started_at", UtcDateTime),
        Column("finished_at", UtcDateTime),
        Column("heartbeat_at", UtcDateTime, nullable=False),
    )
    Index("ix_jobs_state", table.c.state)
    return table


class JobPublic(BaseModel):
    id: UUID
    kind: str
    state: JobState
    params: dict[str, Any]
    progress: dict[str, int] = Field(description="counters the work reports, e.g. validated, written, total")
    result: dict[str, Any] | None = Field(description="what the job produced, once it succeeded")
    problem: Problem | None = Field(description="why the job failed, once it failed")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class Progress(Protocol):
    """How work reports progress: named counters, e.g. `await progress(validated=500, total=10_000)`."""

    async def __call__(self, **counters: int) -> None: ...


async def no_progress(**counters: int) -> None:
    """For callers that show no progress."""


Work = Callable[[Progress], Awaitable[dict[str, Any]]]


class JobRunner:
    """Runs jobs as tasks of this process, at most `concurrency` at a time (the rest wait `queued`)."""

    def __init__(
        self,
        db: Database,
        table: Table,
        *,
        concurrency: int = 1,
        heartbeat_seconds: float = 5.0,
        report_interval_seconds: float = 0.5,
        max_errors: int = 1_000,
    ) -> None:
        self.id = uuid4()
        self._db = db
        self._table = table
        self._slots = asyncio.Semaphore(concurrency)
        self._heartbeat = heartbeat_seconds
        self._report_interval = report_interval_seconds
        self._tasks: dict[UUID, asyncio.Task[None]] = {}
        self._live: dict[UUID, dict[str, int]] = {}
        self._cancelled: set[UUID] = set()
        self._max_errors = max_errors

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=3 * self._heartbeat)

    async def submit(
        self,
        kind: str,
        work: Work,
        *,
        params: dict[str, Any],
        agencies: frozenset[str] | None = frozenset(),
    ) -> JobPublic:
        """Record a queued job and start it; the task keeps the caller's context (correlation id, actor).
        `agencies`: those the submitter acts for (None: every one), whose administrators may cancel it."""
        job_id, now = uuid4(), clock.now()
        async with self._db.connect() as connection:
            await connection.execute(
                insert(self._table).values(
                    id=job_id,
                    kind=kind,
                    state=JobState.QUEUED.value,
                    params=params,
                    progress={},
                    actor=context.actor.get(),
                    actor_agencies=sorted(agencies) if agencies is not None else None,
                    runner=self.id,
                    created_at=now,
                    heartbeat_at=now,
                )
            )
            await connection.commit()
        task = asyncio.create_task(self._execute(job_id, work), name=f"job {kind} {job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))
        return await self._require(job_id)

    async def get(self, job_id: UUID) -> JobPublic | None:
        row = await self._row(job_id)
        return None if row is None else self._fresh(row)

    async def read(self, job_id: UUID, principal: Principal) -> JobPublic:
        """The job, for those who may cancel it (its submitter, an administrator covering the submitter's
        agencies); to anyone else it is unknown (404), so that a job id's existence does not leak."""
        row = await self._row(job_id)
        if row is None or not _may_handle(principal, row.actor, row.actor_agencies):
            raise NotFound(f"no job {job_id}")
        return self._fresh(row)

    async def _row(self, job_id: UUID) -> Any:
        async with self._db.connect() as connection:
            return (await connection.execute(select(self._table).where(self._table.c.id == job_id))).first()

    def _fresh(self, row: Any) -> JobPublic:
        job = _public(row)
        live = self._live.get(job.id)
        if live is not None and job.state in (JobState.QUEUED, JobState.RUNNING):
            # Fresher than the row: a write transaction (SQLite's lock) may be holding the row's update back.
            job.progress = dict(live)
        return job

    async def wait(self, job_id: UUID) -> JobPublic:
        """The job once it has finished (at once if it already has, or runs in another process)."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.wait({task})
        return await self._require(job_id)

    async def cancel(self, job_id: UUID, principal: Principal) -> JobPublic:
        """Cancel an unfinished job for those who may read it (its submitter, an administrator covering the
        submitter's agencies); a finished or cancelled job is answered as it is. To anyone else the job is
        unknown (404), as when reading it."""
        jobs = self._table
        async with self._db.connect() as connection:
            row = (
                await connection.execute(
                    select(jobs.c.actor, jobs.c.actor_agencies).where(jobs.c.id == job_id)
                )
            ).first()
            if row is None or not _may_handle(principal, row.actor, row.actor_agencies):
                raise NotFound(f"no job {job_id}")
            detail = f"cancelled by {principal.subject}"
            await connection.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state.in_(UNFINISHED))
                .values(
                    state=JobState.CANCELLED.value,
                    problem=_problem(409, "job-cancelled", "Job cancelled", detail),
                    finished_at=clock.now(),
                )
            )
            await connection.commit()
        self._stop_task(job_id)
        return await self._require(job_id)

    def _stop_task(self, job_id: UUID) -> None:
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            self._cancelled.add(job_id)
            task.cancel()

    async def run(self) -> None:
        """The background loop: heartbeat this process's jobs, stop those cancelled through another process,
        fail those whose process stopped beating."""
        while True:
            try:
                await self._beat()
                await self._stop_cancelled()
                await self.fail_abandoned()
            except Exception:
                # e.g. SQLite's write lock held by a long import: the next beat will do.
                log.warning("job heartbeat failed; retrying", exc_info=True)
            await asyncio.sleep(self._heartbeat)

    async def fail_abandoned(self, *, all_others: bool = False) -> int:
        """Mark failed the unfinished jobs of other processes whose heartbeat stopped, or with `all_others`
        every unfinished job of another process (at start-up where one process owns the database)."""
        jobs = self._table
        abandoned = jobs.c.state.in_(UNFINISHED) & (jobs.c.runner != self.id)
        if not all_others:
            abandoned &= jobs.c.heartbeat_at < clock.now() - self.stale_after
        problem = _problem(503, "job-abandoned", "Job abandoned", "the process running the job stopped")
        async with self._db.connect() as connection:
            result = await connection.execute(
                update(jobs)
                .where(abandoned)
                .values(state=JobState.FAILED.value, problem=problem, finished_at=clock.now())
            )
            await connection.commit()
        count = int(result.rowcount)  # type: ignore[attr-defined]
        if count:
            log.warning("marked %d abandoned job(s) failed", count)
        return count

    async def stop(self) -> None:
        """Cancel the jobs still running; each records that it was interrupted."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _execute(self, job_id: UUID, work: Work) -> None:
        reporter = _Reporter(lambda counters: self._update(job_id, progress=counters), self._report_interval)
        self._live[job_id] = reporter.counters
        try:
            async with self._slots:
                await self._update(
                    job_id, state=JobState.RUNNING.value, started_at=clock.now(), unless_cancelled=True
                )
                result = await work(reporter)
        except DomainError as refusal:
            # Whatever the work gathered, the answer lists a bounded number of problems and counts them all.
            total = refusal.errors_total or len(refusal.errors)
            problem = _problem(
                refusal.status,
                refusal.code,
                refusal.title,
                refusal.detail,
                refusal.errors[: self._max_errors],
                errors_total=total if total > min(len(refusal.errors), self._max_errors) else None,
            )
            await self._finish(job_id, reporter, problem=problem)
        except asyncio.CancelledError:
            if job_id in self._cancelled:
                # Its row already says cancelled, by whom: only the progress it reached is added.
                await reporter.settle()
                await self._update(job_id, progress=reporter.counters)
            else:
                problem = _problem(503, "job-interrupted", "Job interrupted", "the service was stopped")
                await self._finish(job_id, reporter, problem=problem)
            raise
        except Exception:
            log.exception("job %s failed", job_id)
            problem = _problem(500, "internal-error", "Internal error", "the job failed unexpectedly")
            await self._finish(job_id, reporter, problem=problem)
        else:
            await self._finish(job_id, reporter, result=result)
        finally:
            self._live.pop(job_id, None)
            self._cancelled.discard(job_id)

    async def _finish(
        self,
        job_id: UUID,
        reporter: "_Reporter",
        *,
        result: dict[str, Any] | None = None,
        problem: dict[str, Any] | None = None,
    ) -> None:
        await reporter.settle()
        state = JobState.FAILED if problem is not None else JobState.SUCCEEDED
        await self._update(
            job_id,
            state=state.value,
            progress=reporter.counters,
            result=result,
            problem=problem,
            finished_at=clock.now(),
            # Work that succeeded just as it was cancelled has done what it did: the row says so. A failure
            # then is most likely the cancellation itself, which the row already records.
            unless_cancelled=state is JobState.FAILED,
        )

    async def _update(self, job_id: UUID, *, unless_cancelled: bool = False, **values: Any) -> None:
        jobs = self._table
        which = jobs.c.id == job_id
        if unless_cancelled:
            which &= jobs.c.state != JobState.CANCELLED.value
        async with self._db.connect() as connection:
            await connection.execute(update(jobs).where(which).values(heartbeat_at=clock.now(), **values))
            await connection.commit()

    async def _beat(self) -> None:
        jobs = self._table
        async with self._db.connect() as connection:
            await connection.execute(
                update(jobs)
                .where(jobs.c.runner == self.id, jobs.c.state.in_(UNFINISHED))
                .values(heartbeat_at=clock.now())
            )
            await connection.commit()

    async def _stop_cancelled(self) -> None:
        if not self._tasks:
            return
        jobs = self._table
        async with self._db.connect() as connection:
            rows = await connection.execute(
                select(jobs.c.id).where(jobs.c.runner == self.id, jobs.c.state == JobState.CANCELLED.value)
            )
            cancelled = {row.id for row in rows}
        for job_id in cancelled & set(self._tasks):
            self._stop_task(job_id)

    async def _require(self, job_id: UUID) -> JobPublic:
        job = await self.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        return job


class _Reporter:
    """Keeps the latest counters (which `JobRunner.get` shows) and saves them at most once per interval, in
    the background: the work never waits for its progress to be written, which on SQLite could not be
    before the work's own write transaction ends."""

    def __init__(self, save: Callable[[dict[str, int]], Awaitable[None]], interval: float) -> None:
        self._save = save
        self._interval = interval
        self._saved_at = 0.0
        self._saving: asyncio.Task[None] | None = None
        self.counters: dict[str, int] = {}

    async def __call__(self, **counters: int) -> None:
        self.counters.update(counters)
        now = time.monotonic()
        if now - self._saved_at >= self._interval and (self._saving is None or self._saving.done()):
            self._saved_at = now
            self._saving = asyncio.create_task(self._saved(dict(self.counters)))

    async def _saved(self, counters: dict[str, int]) -> None:
        try:
            await self._save(counters)
        except Exception:
            log.warning("could not save a job's progress; it shows once the job ends", exc_info=True)

    async def settle(self) -> None:
        """Let a save in flight land first, so it cannot overwrite the final counters."""
        if self._saving is not None:
            await asyncio.wait({self._saving})


def _problem(
    status: int, code: str, title: str, detail: str, errors: Any = (), *, errors_total: int | None = None
) -> dict[str, Any]:
    problem = Problem(
        type=PROBLEM_BASE + code,
        title=title,
        status=status,
        detail=detail,
        errors=list(errors),
        errors_total=errors_total,
        request_id=context.request_id.get(),
    )
    return problem.model_dump(mode="json", exclude_none=True)


def _may_handle(principal: Principal, actor: str, actor_agencies: list[str] | None) -> bool:
    """Who may read and cancel a job: its submitter, or an administrator whose scope covers theirs."""
    if principal.subject == actor:
        return True
    if not principal.has_role(Role.ADMIN):
        return False
    if principal.agencies is None:
        return True
    # A submitter of every agency, or of none known, is covered only by a national administrator.
    return bool(actor_agencies) and principal.agencies.issuperset(actor_agencies or ())


def _public(row: Any) -> JobPublic:
    return JobPublic(
        id=row.id,
        kind=row.kind,
        state=JobState(row.state),
        params=row.params,
        progress=row.progress,
        result=row.result,
        problem=Problem.model_validate(row.problem) if row.problem is not None else None,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def runner_of(request: Request) -> JobRunner:
    runner: JobRunner | None = request.app.state.runtime.jobs
    if runner is None:
        raise RuntimeError("this service has no jobs table: add jobs_table(metadata) to its tables")
    return runner


JobsDep = Annotated[JobRunner, Depends(runner_of)]


def job_location(service: str, job_id: UUID) -> str:
    return f"{API_PREFIX}/{service}/jobs/{job_id}"


UNKNOWN_JOB: dict[int | str, dict[str, Any]] = {
    404: {
        "model": Problem,
        "content": {PROBLEM_MEDIA_TYPE: {}},
        "description": "No such job, or not one the caller submitted or administers",
    }
}


def job_router(service: str) -> APIRouter:
    """`GET` and `DELETE /api/v1/<service>/jobs/{id}`, mounted by each service that runs jobs."""
    router = APIRouter(prefix=f"{API_PREFIX}/{service}/jobs", tags=["jobs"])

    @router.get("/{job_id}", response_model=JobPublic, responses=UNKNOWN_JOB)
    async def get_job(job_id: UUID, jobs: JobsDep, principal: PrincipalDep) -> JobPublic:
        """A job's state, progress and, once finished, its result or the problem that stopped it: for its
        submitter or an administrator covering the submitter's agencies (anyone else: 404)."""
        return await jobs.read(job_id, principal)

    @router.delete(
        "/{job_id}",
        response_model=JobPublic,
        responses={200: {"description": "The job: cancelled, or as it finished before"}, **UNKNOWN_JOB},
    )
    async def cancel_job(job_id: UUID, jobs: JobsDep, principal: PrincipalDep) -> JobPublic:
        """Cancel a job: by its submitter or an administrator covering the submitter's agencies (anyone
        else: 404).

        A queued or running job turns `cancelled` at once and its work stops at its next await, its
        transaction rolled back; a job already finished or cancelled is answered as it is."""
        return await jobs.cancel(job_id, principal)

    return router
