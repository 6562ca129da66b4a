"""A job that died for good gets a ``lost`` manifest from its launcher (``adbatch.store.lost``), and the report
and the nightly gate count it as a failure (end to end with a killed RQ worker in test_launchers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from adbatch.domain import manifest
from adbatch.logs import job_logger
from adbatch.report.callbacks import NightlyGateFailed, ReportCallback
from adbatch.store import lost
from tests.helpers_report import call, video, write_sweep


def job_config(sweep: Path, **over: object):
    """An adbatch job's composed config, as the RQ launcher holds it before sending the job."""
    cfg = {"product_id": "alpha-mug", "archetype": {"name": "ugc"}, "hook": "best"} | over
    return OmegaConf.create(
        cfg | {"hydra": {"sweep": {"dir": str(sweep), "subdir": "${product_id}/${archetype.name}/hook-${hook}"}}}
    )


def log_attempt(folder: Path, calls: list[manifest.Call], *, ended: bool) -> None:
    """Append one attempt of the job to its log.jsonl as the pipeline writes it (``ended``: it reached job_end)."""
    with job_logger(folder / "log.jsonl", console=None) as log:
        log.info("stage_start", stage="assets")
        for c in calls:
            log.info("provider_call", **c.model_dump(include=manifest.LOGGED_CALL_FIELDS))
        log.info("stage_start", stage="render")
        if ended:
            log.info("job_end", status="ok", cost_usd=sum(c.cost_usd for c in calls))


def test_a_lost_manifest_keeps_what_the_attempts_that_never_ended_spent(tmp_path: Path) -> None:
    """A first run ended ok ($0.30, its manifest in the folder); a rerun paid $0.57 and died: the lost manifest
    costs $0.57 with the rerun's calls, keeps the first run in its history, and names the stage it died in."""
    folder = tmp_path / "alpha-mug" / "ugc" / "hook-best"
    first = [call("voice", cost_usd=0.30)]
    log_attempt(folder, first, ended=True)
    manifest.write(video(calls=first), folder)
    sent = lost.Sent.of(job_config(tmp_path), tmp_path)
    assert sent is not None and sent.folder == folder
    log_attempt(
        folder,
        [call("voice", cost_usd=0.0, cache_hit=True, saved_usd=0.30), call("scenes", cost_usd=0.57)],
        ended=False,
    )

    m = lost.write(sent, error_type="AbandonedJobError", message="RQ job abc on worker w0: worker died")
    assert manifest.read(folder / manifest.MANIFEST) == m
    assert (m.status, m.cost_usd, [c.stage for c in m.calls]) == ("lost", 0.57, ["voice", "scenes"])
    assert m.error.message == "RQ job abc on worker w0: worker died (it was in stage render)"
    assert [h["previous"]["status"] for h in m.history] == ["ok"] and manifest.spent_before_usd(m) == 0.30


def test_a_manifest_the_job_wrote_after_it_was_sent_is_never_replaced(tmp_path: Path) -> None:
    """The job finished its manifest, then its worker died before RQ recorded the result: its own word stands."""
    sent = lost.Sent.of(job_config(tmp_path), tmp_path)
    assert sent is not None
    manifest.write(video(), sent.folder)
    m = lost.write(sent, error_type="AbandonedJobError", message="worker died")
    assert m.status == "ok" and manifest.read(sent.folder / manifest.MANIFEST).status == "ok"


def test_a_task_that_is_not_an_adbatch_video_is_not_watched(tmp_path: Path) -> None:
    """Any other Hydra task (no product, archetype or hook) gets no manifest: the launcher raises RQJobError."""
    cfg = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path), "subdir": "0"}}})
    assert lost.Sent.of(cfg, tmp_path) is None


def test_a_lost_video_is_a_failure_in_the_report_and_the_gate(tmp_path: Path, capsys) -> None:
    """One video made, one lost ($0.57 spent): the success rate is 50 %, the spend is counted, the failures list
    it, and a 95 % gate fails naming it."""
    died = video("beta", status="lost", rank=None, calls=[call("scenes", cost_usd=0.57)], error=("worker", "RQ job x"))
    sweep = write_sweep(tmp_path, [video("alpha", calls=[call("voice", cost_usd=0.30)]), died])
    with pytest.raises(NightlyGateFailed):
        ReportCallback(min_success_rate=0.95).on_multirun_end(
            OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}})
        )
    assert "success rate 50.0%" in (out := capsys.readouterr().out) and "0 failed, 1 lost, 0 invalid" in out
    kpis = json.loads((sweep / "summary.json").read_text())["kpis"]
    assert (kpis["videos"]["lost"], kpis["videos"]["valid"], kpis["success_rate"]["value"]) == (1, 2, 0.5)
    assert kpis["cost"]["total_usd"] == pytest.approx(0.87)
    page = (sweep / "report.html").read_text()
    failures = page[page.index('id="failures-table"') :]
    assert "beta" in failures[: failures.index("</table>")]
