"""The protocol's requests: each links its reply class; the registry names every request once;
a frame decodes into its request or gets a `bad_request` naming the request and the field;
the daemon's handler table agrees exactly with the registry, one file per request; a job's
reply has `job_json`'s keys (`orgtui job show --json`'s contract)."""

from __future__ import annotations

import dataclasses
import inspect
import pkgutil
from pathlib import Path

import pytest

from orgtui.daemon import handlers
from orgtui.daemon.handlers import HANDLERS, MODULES, _replies
from orgtui.enums import JobKind, JobState
from orgtui.ledger.store import Ledger, job_json
from orgtui.protocol.codec import decode, encode
from orgtui.protocol.jobs import Job, JobDetail, JobList, JobShow, JobSubmit, SubmittedGroup
from orgtui.protocol.messages import BAD_REQUEST, VERSION, RequestError
from orgtui.protocol.requests import REQUESTS, decode_request

NAMES = ["hello", "status", "send", "post", "restart", "reload", "down",
         "job_submit", "job_list", "job_show", "job_cancel", "job_wait",
         "group_list", "group_show", "group_wait", "baseline", "promote", "promotion_wait", "progress",
         "ablate", "ablation_wait"]  # fmt: skip


def test_the_registry_names_every_request_and_each_links_its_reply():
    assert list(REQUESTS) == NAMES
    for name, cls in REQUESTS.items():
        assert name == cls.NAME
        assert dataclasses.is_dataclass(cls) and dataclasses.is_dataclass(cls.reply)
    assert JobShow.reply is JobDetail and JobSubmit.reply is SubmittedGroup


def test_every_request_has_one_handler_and_every_handler_file_one_request():
    assert set(HANDLERS) == set(REQUESTS.values())
    assert len(HANDLERS) == len(MODULES) == len(REQUESTS)
    files = {m.name for m in pkgutil.iter_modules(handlers.__path__) if not m.name.startswith("_")}
    assert files == set(REQUESTS)
    for module in MODULES:
        assert module.__name__.rsplit(".", 1)[1] == module.REQUEST.NAME
        signature = inspect.signature(module.handle)
        assert inspect.iscoroutinefunction(module.handle)
        assert list(signature.parameters) == ["orgd", "req", "peer"]
        assert signature.parameters["req"].annotation == module.REQUEST.__name__
        assert signature.return_annotation == module.REQUEST.reply.__name__


def frame(type_: object, **args: object) -> dict:
    return {"v": VERSION, "type": type_, "args": args}


def test_a_frame_decodes_into_its_request_with_defaults():
    req = decode_request(frame("job_submit", gpus=2, command=["true"]))
    assert req == JobSubmit(gpus=2, command=["true"])
    assert req.kind is JobKind.EXPERIMENT and req.priority == 0
    listed = decode_request(frame("job_list", states=["queued", "running"]))
    assert listed == JobList(states=[JobState.QUEUED, JobState.RUNNING])
    assert decode_request({"v": VERSION, "type": "status"}) == REQUESTS["status"]()


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (frame("job_submit", gpus="x"), """job_submit: 'gpus' must be an integer, not "x\""""),
        (frame("job_submit", gpus=True), "job_submit: 'gpus' must be an integer, not true"),
        (frame("job_submit", gpus=0), "job_submit: 'gpus' must be at least 1, not 0"),
        (frame("job_submit", flops=-1.0), "job_submit: 'flops' must be more than 0, not -1.0"),
        (frame("job_submit", command=["a", 1]), "job_submit: 'command[1]' must be a string, not 1"),
        (frame("job_show"), "job_show: 'job' is missing"),
        (frame("job_show", job="3"), """job_show: 'job' must be an integer, not "3\""""),
        (frame("job_wait", job=1, timeout_s=-1), "job_wait: 'timeout_s' must be at least 0"),
        (frame("job_list", states=["done"]), "job_list: 'states[0]' must be one of queued,"),
        (frame("job_list", after=-1), "job_list: 'after' must be at least 0, not -1"),
        (frame("send", agent="a"), "send: 'text' is missing"),
        (frame("post", text="hi", too="b"), "post: 'too' is not a field (fields: text, to, author)"),
        (frame("reload", dry_run="yes"), """reload: 'dry_run' must be true or false, not "yes\""""),
        (frame("launch"), "unknown request type 'launch' (known: hello, status, send,"),
        (frame(7), "unknown request type 7 (known: hello,"),
        ({"v": VERSION, "type": "send", "args": []}, "send: request args must be an object"),
    ],
)  # fmt: skip
def test_a_frame_that_does_not_fit_is_a_bad_request_naming_request_and_field(message, error):
    with pytest.raises(RequestError) as e:
        decode_request(message)
    assert e.value.code == BAD_REQUEST
    assert str(e.value).startswith(error)


def test_a_job_reply_has_the_keys_of_job_show_json(tmp_path: Path):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    job = ledger.add(agent="a", name="n", kind="baseline", gpus=1, budget_time=60.0,
                     budget_flops=None, command=["python3", "train.py"], seed=3)  # fmt: skip
    ledger.update(job, "ran", state="ok", metrics={"val_bpb": 2.5, "num_steps": 10},
                  wall_seconds=1.5, exit_code=0)  # fmt: skip
    row = ledger.get(job)
    assert row is not None
    assert encode(_replies.job(row)) == job_json(row)
    detail = encode(_replies.detail(row, "/x.log", ledger.events(job)))
    assert list(detail) == [*job_json(row), "log", "events"]
    assert [e["state"] for e in detail["events"]] == ["queued", "ok"]
    assert decode(JobDetail, detail) == _replies.detail(row, "/x.log", ledger.events(job))
    assert decode(Job, job_json(row)) == _replies.job(row)
    ledger.close()
