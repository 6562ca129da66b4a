"""The spend ledger: one suite for SQLite and Redis, including processes racing for the last dollars."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from adbatch.store.ledger import CapExceeded, Caps, RedisLedger, SqliteLedger

CAPS = Caps(per_video_usd=1.50, per_sweep_usd=5.00)


@pytest.fixture(params=["sqlite", "redis"])
def make_ledger(request, tmp_path: Path):
    """A factory of ledgers of one kind, all on the same sweep."""
    if request.param == "sqlite":
        return lambda caps=CAPS: SqliteLedger(tmp_path / "ledger.sqlite", caps)
    url = request.getfixturevalue("redis_url")
    return lambda caps=CAPS: RedisLedger(url, sweep=str(tmp_path), caps=caps)


def test_reservation_within_caps_is_granted_and_settles_to_actual(make_ledger) -> None:
    """Reserve $1, settle at $0.80: the video and the sweep have spent $0.80."""
    ledger = make_ledger()
    rid = ledger.reserve("a/ugc/hook-best", 1.0)
    assert ledger.totals().reserved_usd == pytest.approx(1.0)
    ledger.settle(rid, 0.8)
    assert ledger.totals("a/ugc/hook-best").settled_usd == pytest.approx(0.8)
    assert ledger.totals().reserved_usd == pytest.approx(0.0)


def test_per_video_cap_refuses_the_call_that_would_cross_it(make_ledger) -> None:
    """$1.00 settled + a $0.60 reservation would pass $1.50: refused, naming the cap."""
    ledger = make_ledger()
    ledger.settle(ledger.reserve("v", 1.0), 1.0)
    with pytest.raises(CapExceeded) as info:
        ledger.reserve("v", 0.6)
    assert info.value.cap == "per-video" and "$1.50" in str(info.value)
    ledger.reserve("other", 0.6)  # another video still has room


def test_open_reservations_count_against_the_caps(make_ledger) -> None:
    """Unsettled reservations hold their money: two $1 reservations cannot both fit a $1.50 video."""
    ledger = make_ledger()
    ledger.reserve("v", 1.0)
    with pytest.raises(CapExceeded):
        ledger.reserve("v", 1.0)


def test_per_sweep_cap_spans_all_videos(make_ledger) -> None:
    """Five videos at $1 fill a $5 sweep; the sixth is refused by the sweep cap."""
    ledger = make_ledger()
    for i in range(5):
        ledger.settle(ledger.reserve(f"v{i}", 1.0), 1.0)
    with pytest.raises(CapExceeded) as info:
        ledger.reserve("v5", 0.01)
    assert info.value.cap == "per-sweep"


def test_settling_at_zero_releases_the_money(make_ledger) -> None:
    """A call that cost nothing (cache race, failure before billing) frees its reservation."""
    ledger = make_ledger()
    ledger.settle(ledger.reserve("v", 1.4), 0.0)
    ledger.reserve("v", 1.4)


def test_stale_reservations_of_a_dead_attempt_are_released(make_ledger) -> None:
    """A rerun of a video releases what its killed attempt reserved, and keeps what was settled."""
    ledger = make_ledger()
    ledger.settle(ledger.reserve("v", 0.5), 0.5)
    ledger.reserve("v", 0.9)
    assert ledger.release_stale("v") == 1
    assert ledger.totals("v").settled_usd == pytest.approx(0.5)
    ledger.reserve("v", 0.9)


def _race(factory_args: tuple, video: str, n: int, out) -> None:
    kind, where = factory_args
    caps = Caps(per_video_usd=100.0, per_sweep_usd=3.0)
    ledger = SqliteLedger(where, caps) if kind == "sqlite" else RedisLedger(where[0], sweep=where[1], caps=caps)
    granted = 0
    for _ in range(n):
        try:
            ledger.settle(ledger.reserve(video, 0.10), 0.10)
            granted += 1
        except CapExceeded:
            pass
    out.put(granted)


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_eight_processes_racing_never_overspend(kind: str, tmp_path: Path, request) -> None:
    """8 processes x 10 calls of $0.10 against a $3 sweep cap: exactly 30 calls are granted."""
    where = (tmp_path / "race.sqlite") if kind == "sqlite" else (request.getfixturevalue("redis_url"), str(tmp_path))
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_race, args=((kind, where), f"v{i}", 10, out)) for i in range(8)]
    for p in procs:
        p.start()
    granted = sum(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    ledger = SqliteLedger(where, CAPS) if kind == "sqlite" else RedisLedger(where[0], sweep=where[1], caps=CAPS)
    assert granted == 30
    assert ledger.totals().settled_usd == pytest.approx(3.0)
