"""Temporal holds no personal data in clear (issue 14): a plain client reading a project's whole history
finds none of it, the codec client reads it all back, and ids, search attributes and memo carry none.

Real dev server, real worker, the real API: a project is created with a known lead, partner contact
and respondent, and a submission with a known text goes through the workflow; a Knowledge Exchange year
with a known lead takes an application with known words, and the respondent answers a wave in words of
their own. Then the raw bytes of every history in the namespace, as a client WITHOUT the codec receives
them, are searched (the test prints how many histories and strings: `PII-SCAN`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from tests.api.conftest import Api
from tests.api.exchange_support import application_body, apply, fresh_year, programme, programme_body
from tests.api.support import eventually, ok, partner_client, project_body
from tests.api.survey_support import GOOD_ANSWERS, answer, open_wave_now
from tests.temporal_env import codec_converter
from workflows.registry import WORKFLOWS, sandbox_runner

LEAD_NAME = "Zelda Quarrington-Fitch"
LEAD_EMAIL = "zelda.quarrington@museum.example"
PARTNER_NAME = "Brackenbury Heritage Trust"
CONTACT_NAME = "Ottoline Brackenbury"
CONTACT_EMAIL = "ottoline.b@brackenbury.example"
RESPONDENT_NAME = "Ptolemy Vanstone-Hale"
RESPONDENT_EMAIL = "ptolemy.vh@respondents.example"
REFLECTION = "We recorded the ferrymen's songs in the Quillmere boathouse"
ANSWER_TEXT = "Marisol taught me the Tregaron knot at the harbour"
PROGRAMME_LEAD_NAME = "Hesketh Arbuthnot-Lyle"
PROGRAMME_LEAD_EMAIL = "hesketh.al@museum.example"
APPLICANT_NAME = "Winifred Oyelaran-Stroud"
APPLICANT_EMAIL = "winifred.os@applicants.example"
APPLICANT_STATEMENT = "My grandmother's Windrush letters need a careful archivist"
PERSONAL = [
    LEAD_NAME,
    LEAD_EMAIL,
    CONTACT_NAME,
    CONTACT_EMAIL,
    RESPONDENT_NAME,
    RESPONDENT_EMAIL,
    REFLECTION,
    ANSWER_TEXT,
    PROGRAMME_LEAD_NAME,
    PROGRAMME_LEAD_EMAIL,
    APPLICANT_NAME,
    APPLICANT_EMAIL,
    APPLICANT_STATEMENT,
]


async def a_project_with_personal_data(api: Api) -> str:
    """Partner, project, respondent and a submission over the API; the project's id once the workflow has it."""
    partner = ok(
        await api.http.post(
            "/api/v1/partners",
            json={"name": PARTNER_NAME, "contact_name": CONTACT_NAME, "contact_email": CONTACT_EMAIL},
        ),
        201,
    )
    body = project_body([partner["id"]], lead={"name": LEAD_NAME, "email": LEAD_EMAIL})
    project = ok(await api.http.post("/api/v1/projects", json=body), 201)
    respondent = {"name": RESPONDENT_NAME, "email": RESPONDENT_EMAIL, "language": "en", "role": "participant"}
    ok(await api.http.post(f"/api/v1/projects/{project['id']}/respondents", json=respondent), 201)
    async with await partner_client(api, partner["id"]) as as_partner:
        submission = {"summary": REFLECTION, "links": ["https://example.org/evidence"]}
        ok(
            await as_partner.post(f"/api/v1/projects/{project['id']}/milestones/proposal/submissions", json=submission),
            201,
        )
    return str(project["id"])


async def an_answer_and_an_application(api: Api, project_id: str, partner_id: str) -> int:
    """The respondent answers wave 0 in their own words; a programme year (known lead) takes an application
    (known name, address and statement) and has noted it. Returns the year."""
    (token,) = (await open_wave_now(api, project_id)).values()
    ok(await answer(api.http, token, {**GOOD_ANSWERS, "lasting_difference": ANSWER_TEXT}), 201)
    year = fresh_year()
    body = programme_body(
        year,
        [partner_id],
        closes_in=timedelta(hours=1),
        lead={"name": PROGRAMME_LEAD_NAME, "email": PROGRAMME_LEAD_EMAIL},
    )
    ok(await api.http.post("/api/v1/exchange/programmes", json=body), 201)
    application = application_body(APPLICANT_NAME, APPLICANT_EMAIL, "museum", statement_of_benefit=APPLICANT_STATEMENT)
    ok(await apply(api.http, year, application), 201)
    await eventually(lambda: programme(api.http, year), lambda p: p["applications_received"] >= 1)
    return year


async def partner_of(api: Api, project_id: str) -> str:
    project = ok(await api.http.get(f"/api/v1/projects/{project_id}"), 200)
    return str(project["partners"][0])


def plain_client(api: Api) -> Client:
    """The same server, WITHOUT the codec: what anyone who can read the cluster sees."""
    config = api.client.config()
    config["data_converter"] = DataConverter.default  # the SDK's default converter, no codec
    return Client(**config)


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere inside a protobuf message (events nest them in many places)."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            yield from payloads_in(value)
            continue
        for item in value.values() if hasattr(value, "values") else value:  # a map, or a repeated field
            if isinstance(item, Message):
                yield from payloads_in(item)


async def raw_histories(client: Client) -> dict[str, WorkflowHistory]:
    """Every workflow run in the namespace, its whole history as the server sends it."""
    found: dict[str, WorkflowHistory] = {}
    async for execution in client.list_workflows():
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        found[f"{execution.id}@{execution.run_id}"] = await handle.fetch_history()
    return found


def clear_text(history: WorkflowHistory) -> bytes:
    """The history's bytes: protobuf (payload bytes raw) and its JSON (strings such as failure messages)."""
    return b"".join(e.SerializeToString() for e in history.events) + history.to_json().encode()


async def test_a_plain_client_finds_no_personal_data_in_any_history_and_the_codec_client_reads_it(api: Api) -> None:
    project_id = await a_project_with_personal_data(api)
    year = await an_answer_and_an_application(api, project_id, await partner_of(api, project_id))
    histories = await raw_histories(plain_client(api))
    ours = [h for key, h in histories.items() if project_id in key]
    assert ours, f"no history for {project_id} among {len(histories)}"
    assert [key for key in histories if key.startswith(f"exchange/{year}@")], "the programme's history is scanned"

    found = {name: [s for s in PERSONAL if s.encode() in clear_text(h)] for name, h in histories.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}, f"{len(histories)} histories scanned"
    events = sum(len(h.events) for h in histories.values())
    print(f"\nPII-SCAN histories={len(histories)} events={events} strings={len(PERSONAL)} found=0")  # noqa: T201
    # The scan is not blind: what is not personal (the project's id) is there in clear.
    assert all(project_id.encode() in clear_text(h) for h in ours)

    # (b) With the codec, the same payloads decode and hold what the API was given.
    codec = codec_converter().payload_codec
    assert codec is not None
    payloads = [p for h in ours for e in h.events for p in payloads_in(e)]
    encrypted = [p for p in payloads if p.metadata["encoding"] == b"binary/encrypted"]
    # Only search attributes (typed, for the server's index; test (d) checks what they hold) and the SDK's
    # own patch markers (`{"id": "<patch>", ...}`, written by the SDK below the codec) stay readable.
    plain = [p for p in payloads if p not in encrypted]
    assert encrypted and all("type" in p.metadata or p.data.startswith(b'{"id":') for p in plain), plain
    decoded = b"".join(p.SerializeToString() for p in await codec.decode(encrypted))
    for text in (LEAD_NAME, LEAD_EMAIL, REFLECTION):  # what the project workflow is given
        assert text.encode() in decoded, text
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=codec_converter(), workflow_runner=sandbox_runner(strict=True)
    )
    for history in ours:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, result.replay_failure


async def test_workflow_ids_search_attributes_and_memo_carry_no_personal_data(api: Api) -> None:
    project_id = await a_project_with_personal_data(api)
    names = [*PERSONAL, PARTNER_NAME]
    described = 0
    async for execution in api.client.list_workflows():
        if project_id not in execution.id:
            continue
        description = await api.client.get_workflow_handle(execution.id, run_id=execution.run_id).describe()
        described += 1
        memo: Mapping[str, Any] = await description.memo()
        visible = [
            description.id,
            repr(memo),
            repr(dict(description.typed_search_attributes)),
            repr(description.search_attributes),
            description.raw_description.SerializeToString().decode("utf-8", "replace"),
        ]
        for text in visible:
            assert not [n for n in names if n.lower() in text.lower()], text
    assert described >= 1
