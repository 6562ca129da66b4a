"""A paid request whose reply was lost after it was sent may have been billed: it is recorded as possibly billed at
its estimate, held against the caps, and shown in the report apart from the confirmed spend.

Against the fake server, with the real SDKs: ``faults.reset_after`` does the work (a line spoken, a message written)
and then closes the connection unanswered; ``faults.lost_answer`` creates a prediction and answers 502.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from adbatch.errors import ProviderError
from adbatch.logs import job_logger
from adbatch.report import report
from adbatch.stages.assets import Producer
from adbatch.store.cache import AssetCache
from adbatch.store.ledger import CapExceeded, Caps, SqliteLedger
from tests.fakes import faults
from tests.fakes.live import build, run
from tests.helpers_report import call, video, write_sweep
from tests.test_ledger import make_ledger  # noqa: F401 - the fixture: one suite for SQLite and Redis
from tests.test_live_degrade import POLICY, VIDEO, clip_request, produce

pytest_plugins = ["tests.fakes.fixtures"]  # fixtures: fake, keys, product

KLING = "kwaivgi/kling-v2.1"
LINE = {"hook": "Meet the mug that keeps coffee hot."}


# -- the ledger ------------------------------------------------------------------------------------


def test_possibly_billed_money_is_held_against_the_caps(make_ledger) -> None:  # noqa: F811
    """A $1 reservation settled at $0.40 spent plus $0.90 possibly billed: the video holds $1.30 of its $1.50
    cap, so a $0.30 call is refused; the totals keep the two figures apart."""
    ledger = make_ledger()
    ledger.settle(ledger.reserve("v", 1.0), 0.40, 0.90)
    totals = ledger.totals("v")
    assert totals.settled_usd == pytest.approx(0.40) and totals.possibly_billed_usd == pytest.approx(0.90)
    assert totals.reserved_usd == pytest.approx(0.0)
    with pytest.raises(CapExceeded, match="per-video"):
        ledger.reserve("v", 0.30)


def test_possibly_billed_money_is_never_released(make_ledger) -> None:  # noqa: F811
    """Releasing a dead attempt's reservations (a rerun of the video) leaves what may have been billed held."""
    ledger = make_ledger()
    ledger.settle(ledger.reserve("v", 0.5), 0.0, 0.5)
    ledger.reserve("v", 0.2)  # left open by an attempt that died
    assert ledger.release_stale("v") == 1
    assert ledger.totals().possibly_billed_usd == pytest.approx(0.5) and ledger.totals().reserved_usd == 0


# -- the adapters ----------------------------------------------------------------------------------


def test_a_claude_reply_lost_to_a_reset_is_counted_as_lost(fake, product, tmp_path: Path) -> None:
    """Claude writes the notes, the connection resets before the answer: the retry is answered; the output says
    one request lost its reply (the provider saw two and may bill both), and costs only the answered one."""
    writer = build("script", fake)
    fake.script("anthropic.messages", faults.reset_after())
    out = run(writer.analyze(product, tmp_path / "notes.json"))
    assert fake.count("anthropic.messages") == 2 and out.attempts == 2 and out.lost == 1
    assert out.meta["requests"] == 1 and out.cost_usd > 0  # the answered reply's usage, confirmed


def test_an_answered_error_is_not_a_lost_reply(fake, product, tmp_path: Path) -> None:
    """A 503 or a 429 answered by the API did no work: retried, and nothing is possibly billed."""
    writer = build("script", fake)
    fake.script("anthropic.messages", faults.server_error(503), faults.rate_limited(0))
    out = run(writer.analyze(product, tmp_path / "notes.json"))
    assert out.attempts == 3 and out.lost == 0


def test_a_call_whose_every_reply_was_lost_fails_carrying_them(fake, product, tmp_path: Path) -> None:
    """Every attempt resets after the work: the call fails after 4 attempts, $0 confirmed, 4 replies lost."""
    writer = build("script", fake)
    fake.script("anthropic.messages", *[faults.reset_after()] * 4)
    with pytest.raises(ProviderError) as info:
        run(writer.analyze(product, tmp_path / "notes.json"))
    assert info.value.attempts == 4 and info.value.lost == 4 and info.value.cost_usd == 0


# -- the call record and the ledger, through the Producer -------------------------------------------


def test_a_voice_line_whose_reply_was_lost_is_recorded_as_possibly_billed(fake, product, tmp_path: Path) -> None:
    """ElevenLabs speaks the line, the connection resets, the retry is answered: the voice call is ok, costs the
    answered line, and records the lost one at the call's estimate; the ledger holds both, apart."""
    fake.script("elevenlabs.tts", faults.reset_after())
    assets, producer, ledger = produce(fake, product, tmp_path, POLICY, voice=LINE)
    voice = assets.voice["hook"].call
    estimate = build("voice", fake).estimate(LINE["hook"])
    assert fake.count("elevenlabs.tts") == 2 and voice.ok and voice.attempts == 2
    assert voice.cost_usd == pytest.approx(estimate) and voice.possibly_billed_usd == pytest.approx(estimate)
    totals = ledger.totals(VIDEO)
    assert totals.settled_usd == pytest.approx(sum(c.cost_usd for c in producer.calls))
    assert totals.possibly_billed_usd == pytest.approx(estimate) and totals.reserved_usd == 0


def test_a_lost_create_nobody_lists_is_possibly_billed_and_held(fake, product, tmp_path: Path) -> None:
    """The clip's create makes a prediction but a gateway answers 502, and the listing fails every time: the clip
    falls back to its plate; its failed call records the clip's estimate as possibly billed ($0 confirmed), and
    the ledger holds it against the caps."""
    fake.script(f"replicate.create:{KLING}", faults.lost_answer(502))
    fake.script("replicate.list", *[faults.server_error(500)] * 4)
    assets, producer, ledger = produce(fake, product, tmp_path, POLICY)
    clip = build("scenes", fake).estimate(clip_request(product))
    (lost,) = [c for c in producer.calls if not c.ok]
    assert len(fake.predictions) >= 1 and lost.stage == "scenes" and lost.cost_usd == 0
    assert lost.possibly_billed_usd == pytest.approx(clip) and clip > 0
    assert any(line.startswith("scene demo/0") for line in assets.degraded)
    assert ledger.totals(VIDEO).possibly_billed_usd == pytest.approx(clip)


def test_possibly_billed_money_makes_the_cap_refuse_the_next_call(fake, product, tmp_path: Path) -> None:
    """With $0.30 per video, a clip ($0.25) whose create was lost is held: the next paid call of the video is
    refused by the cap, as it would be had the clip been billed."""
    fake.script("replicate.create", faults.lost_answer(502))
    fake.script("replicate.list", *[faults.server_error(500)] * 4)
    scenes = build("scenes", fake)
    ledger = SqliteLedger(tmp_path / "ledger.sqlite", Caps(per_video_usd=0.30, per_sweep_usd=10.0))
    with job_logger(tmp_path / "log.jsonl", console=None) as log:
        producer = Producer(AssetCache(tmp_path / "cache"), log, ledger=ledger, video=VIDEO)
        request = clip_request(product)

        def clip(seed: int):
            return producer.run(
                stage="scenes",
                provider=scenes,
                parts={"seed": seed},
                suffix=".mp4",
                make=lambda out: scenes.scene(request, out),
                estimate=lambda: scenes.estimate(request),
            )

        with pytest.raises(ProviderError):
            run(clip(1))
        with pytest.raises(CapExceeded):
            run(clip(2))
    assert ledger.totals(VIDEO).settled_usd == 0 and ledger.totals(VIDEO).possibly_billed_usd == pytest.approx(0.25)


# -- the report ------------------------------------------------------------------------------------


def test_the_report_shows_possibly_billed_apart_from_spend(tmp_path: Path) -> None:
    """summary.json, report.csv, the provider table and the page show what may have been billed, and the total
    spend stays what was confirmed."""
    sweep = write_sweep(
        tmp_path / "sweep",
        [
            video(
                "alpha-mug",
                calls=[
                    call("voice", provider="elevenlabs", cost_usd=0.004, possibly_billed_usd=0.004, attempts=2),
                    call("scenes", provider="replicate", ok=False, error="ProviderError: x", possibly_billed_usd=0.25),
                    call("scenes", provider="replicate", cost_usd=0.25, key="scenes-2"),
                ],
                possibly_billed_usd=0.254,
            ),
            video("beta-lamp", calls=[call("voice", provider="elevenlabs", cost_usd=0.004, key="voice-2")]),
        ],
    )
    built = report.build([sweep], out=tmp_path / "report")
    cost = built.summary["kpis"]["cost"]
    assert cost["total_usd"] == pytest.approx(0.258) and cost["possibly_billed_usd"] == pytest.approx(0.254)
    by_provider = {p["provider"]: p["possibly_billed_usd"] for p in built.summary["providers"]}
    assert by_provider == {"elevenlabs": pytest.approx(0.004), "replicate": pytest.approx(0.25)}
    rows = {r["product_id"]: r for r in csv.DictReader((tmp_path / "report" / "report.csv").open())}
    assert float(rows["alpha-mug"]["possibly_billed_usd"]) == pytest.approx(0.254)
    assert float(rows["beta-lamp"]["possibly_billed_usd"]) == 0
    page = (tmp_path / "report" / "report.html").read_text()
    assert "Possibly billed" in page and "$0.25" in page
    assert "$0.25 possibly billed besides" in built.paragraph()


def test_a_rerun_keeps_what_the_first_run_possibly_billed(tmp_path: Path) -> None:
    """The folder's first version lost a reply ($0.25 possibly billed); the rerun reused the video: the report
    still shows the $0.25 (the history keeps it), as it keeps what the first run spent."""
    history = [{"rerun": True, "previous": {"status": "ok", "cost_usd": 0.5, "possibly_billed_usd": 0.25}}]
    sweep = write_sweep(tmp_path / "s", [video("alpha-mug", status="cached", saved_usd=0.5, history=history)])
    built = report.build([sweep])
    assert built.summary["kpis"]["cost"]["possibly_billed_usd"] == pytest.approx(0.25)
    assert built.summary["kpis"]["cost"]["spent_before_usd"] == pytest.approx(0.5)


def test_a_whole_video_records_its_lost_reply(fake, tmp_path: Path) -> None:
    """A live video whose first voice line was spoken but lost to a reset: it ends ok, and its manifest and report
    carry the line's estimate as possibly billed, apart from its cost (the sum of its calls' costs)."""
    from tests.fakes.live import catalog_of, live_job

    fake.script("elevenlabs.tts", faults.reset_after())
    catalog = catalog_of(tmp_path / "cat", "alpha-mug")
    m = live_job(fake, catalog, "alpha-mug", tmp_path, "provider.scenes.video_scenes=0", folder="out/a/ugc/hook-best")
    (lost,) = [c for c in m.calls if c.possibly_billed_usd]
    assert m.status == "ok" and lost.stage == "voice" and lost.ok and lost.attempts == 2
    assert lost.possibly_billed_usd > 0 and m.possibly_billed_usd == pytest.approx(lost.possibly_billed_usd)
    assert m.cost_usd == pytest.approx(sum(c.cost_usd for c in m.calls), abs=1e-6)
    cost = report.build([tmp_path / "out"], out=tmp_path / "report").summary["kpis"]["cost"]
    assert cost["possibly_billed_usd"] == pytest.approx(m.possibly_billed_usd)
    assert cost["total_usd"] == pytest.approx(m.cost_usd)
