"""Adding respondents to a project: one at a time (JSON) or many from a CSV upload, with a per-row report.

Both paths check what the API knows and the store does not: the language must be one the project's
survey instrument offers (the instrument the project's pinned template names), and within one file
an address may appear once. Everything else (the address already on the project, a concurrent
upload of the same address) is decided by the store's unique key, so the report is exact even
under races. The CSV is read in memory with hard limits on bytes and rows, so an upload can never
exhaust the API; the rows are inserted in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import get_args

from fastapi import Request, status
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from api.app_services import AppServices
from api.auth import Principal, audit_trail
from api.errors import (
    PROJECT_NOT_FOUND,
    RESPONDENT_EXISTS,
    UPLOAD_TOO_LARGE,
    ApiError,
    invalid,
    not_found,
    project_ended,
)
from api.follow_up.schemas import RESPONDENT_EMAIL_PATTERN, ImportedRow, RespondentImport, RespondentRole
from api.projects.service import recorded_project
from domain.lifecycle import TERMINAL_STAGES
from domain.surveys import SurveyInstrument
from store.hashing import email_hash
from store.surveys import writes as survey_writes
from store.tables import Project, Respondent

#: Upload limits: a museum's respondent list is hundreds of people; these leave a wide margin.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_ROWS = 5_000
REQUIRED_COLUMNS = ("name", "email", "role")
OPTIONAL_COLUMNS = ("language",)
ROLES: tuple[str, ...] = get_args(RespondentRole)

_EMAIL = re.compile(RESPONDENT_EMAIL_PATTERN)


@dataclass(frozen=True)
class ProjectSurvey:
    """A project as the respondent routes need it: its read-model row and its survey instrument."""

    project: Project
    instrument: SurveyInstrument


async def project_survey(services: AppServices, session: AsyncSession, project_id: str) -> ProjectSurvey:
    """The project (404 if unknown) and the instrument its pinned template's follow-up policy names.

    A project started a moment ago whose row is not written yet is found through its workflow
    (`recorded_project`), so respondents can be added right after the create."""
    project = await recorded_project(services, session, project_id) if len(project_id) <= 64 else None
    if project is None:
        raise not_found(PROJECT_NOT_FOUND)
    template = services.catalog.get(project.template_name, project.template_version)
    ref = template.follow_up.instrument if template is not None else None
    instrument = services.instruments.get(ref) if ref is not None else None
    if instrument is None:
        # A template naming an instrument that is not shipped is a packaging bug, not bad input.
        raise RuntimeError(f"project {project_id}: no survey instrument {ref!r}")
    return ProjectSurvey(project, instrument)


def language_problem(language: str, instrument: SurveyInstrument) -> str | None:
    if language not in instrument.languages:
        return f"the survey is offered in {', '.join(instrument.languages)}; {language!r} is not one of them"
    return None


def _refuse_if_ended(project: Project) -> None:
    if project.stage in {s.value for s in TERMINAL_STAGES}:
        raise project_ended()


async def add_one(
    session: AsyncSession, found: ProjectSurvey, *, name: str, email: str, language: str, role: str, by: Principal
) -> Respondent:
    """Add one respondent, committed with who added them (the audit trail); 409 (field email) when the
    address is already on the project."""
    _refuse_if_ended(found.project)
    language = language.lower()
    problem = language_problem(language, found.instrument)
    if problem is not None:
        raise invalid("language", problem)
    row = survey_writes.NewRespondent(name=name, email=email, role=role, language=language)
    now = datetime.now(UTC)
    result = await survey_writes.add_respondent(session, found.project.id, row, now)
    if result.status == "added" and result.respondent_id is not None:
        await audit_trail(session, by, "respondent_added", result.respondent_id, now)
    await session.commit()
    if result.status == "duplicate":
        raise ApiError(
            status.HTTP_409_CONFLICT,
            RESPONDENT_EXISTS,
            field="email",
            reason="already a respondent of this project",
            error="Duplicate",
        )
    if result.status == "invalid" or result.respondent_id is None:
        raise invalid(result.field or "respondent", result.reason or "refused")
    added = await session.get(Respondent, result.respondent_id)
    assert added is not None  # committed just now
    return added


def _too_large() -> ApiError:
    limit = f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    return ApiError(
        status.HTTP_413_CONTENT_TOO_LARGE, UPLOAD_TOO_LARGE, field="file", reason=f"the file is larger than {limit}"
    )


async def upload_form(request: Request) -> FormData:
    """The multipart form of a CSV upload (the JSON import and the follow-up page's), refusing anything
    declared over the limit before parsing it, and more than one file or ten fields while parsing."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise invalid("file", "upload the CSV as multipart/form-data, in a field named file")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise _too_large()
    try:
        return await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # Starlette's multipart errors carry no stable type across versions
        raise invalid("file", "the upload could not be read as multipart/form-data") from exc


async def uploaded_csv(form: FormData) -> bytes:
    """The bytes of the form's field `file`, at most MAX_UPLOAD_BYTES (413 beyond)."""
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise invalid("file", "attach the CSV file in a field named file")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large()
    return data


def _file_problem(reason: str) -> ApiError:
    return invalid("file", reason)


def read_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The records of an uploaded CSV, each with its row number (the header is row 1, as a
    spreadsheet shows it) and its cells keyed by lower-cased column name. Blank lines are skipped.

    Raises a 422 (field `file`) for anything that is not a CSV with the needed header, and a 413
    for more than MAX_UPLOAD_ROWS records. The caller has already bounded `data` by MAX_UPLOAD_BYTES.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_problem("not a CSV file: save it as CSV (UTF-8) and upload it again") from None
    if "\x00" in text:
        raise _file_problem("not a CSV file: it contains binary data")
    if not text.strip():
        raise _file_problem("the file is empty: give a header row name,email,language,role and one row per person")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise _file_problem(
                f"the first row must be the header name,email,language,role; missing: {', '.join(missing)}"
            )
        wanted = {c: header.index(c) for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in header}
        records: list[tuple[int, dict[str, str]]] = []
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) >= MAX_UPLOAD_ROWS:
                raise ApiError(
                    status.HTTP_413_CONTENT_TOO_LARGE,
                    f"At most {MAX_UPLOAD_ROWS} rows per upload: split the file.",
                    field="file",
                    reason=f"more than {MAX_UPLOAD_ROWS} rows",
                )
            records.append((row_number, {c: cells[i].strip() if i < len(cells) else "" for c, i in wanted.items()}))
    except csv.Error as exc:
        raise _file_problem(f"not a well-formed CSV file (line {reader.line_num}): {exc}") from None
    return records


def _row_problem(record: dict[str, str], instrument: SurveyInstrument) -> tuple[str, str] | None:
    name, email = record.get("name", ""), record.get("email", "")
    role, language = record.get("role", ""), (record.get("language") or "en").lower()
    if not name:
        return "name", "a name is required"
    if len(name) > 200:
        return "name", "a name may have at most 200 characters"
    if not email:
        return "email", "an e-mail address is required"
    if len(email) > 320 or not _EMAIL.match(email):
        return "email", "not a valid e-mail address"
    if role not in ROLES:
        return "role", f"the role must be one of {', '.join(ROLES)}"
    problem = language_problem(language, instrument)
    if problem is not None:
        return "language", f"unknown language: {problem}"
    return None


async def import_csv(session: AsyncSession, found: ProjectSurvey, data: bytes, *, by: Principal) -> RespondentImport:
    """Add every acceptable row of the file; report each row as added or refused, with the reason.
    The audit trail records who imported into the project (one entry per upload that added anyone)."""
    _refuse_if_ended(found.project)
    records = read_csv(data)
    report: dict[int, ImportedRow] = {}
    accepted: list[tuple[int, survey_writes.NewRespondent]] = []
    first_row_of: dict[str, int] = {}
    for row_number, record in records:
        problem = _row_problem(record, found.instrument)
        if problem is None:
            digest = email_hash(record["email"])
            if digest in first_row_of:
                problem = ("email", f"duplicate within the file: the same address is on row {first_row_of[digest]}")
            else:
                first_row_of[digest] = row_number
        if problem is not None:
            report[row_number] = ImportedRow(row=row_number, status="refused", field=problem[0], reason=problem[1])
            continue
        new = survey_writes.NewRespondent(
            name=record["name"],
            email=record["email"],
            role=record["role"],
            language=(record.get("language") or "en").lower(),
        )
        accepted.append((row_number, new))
    now = datetime.now(UTC)
    results = await survey_writes.add_respondents(session, found.project.id, [new for _, new in accepted], now)
    if any(result.status == "added" for result in results):
        await audit_trail(session, by, "respondents_imported", found.project.id, now)
    await session.commit()
    for (row_number, _), result in zip(accepted, results, strict=True):
        if result.status == "added":
            report[row_number] = ImportedRow(row=row_number, status="added", respondent_id=result.respondent_id)
        elif result.status == "duplicate":
            reason = "already a respondent of this project"
            report[row_number] = ImportedRow(row=row_number, status="refused", field="email", reason=reason)
        else:
            report[row_number] = ImportedRow(row=row_number, status="refused", field=result.field, reason=result.reason)
    rows = [report[n] for n in sorted(report)]
    added = sum(1 for r in rows if r.status == "added")
    return RespondentImport(added=added, refused=len(rows) - added, rows=rows)
