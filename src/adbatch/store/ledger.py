"""The spend ledger shared by every job of a sweep: reserve before paying, settle after.

Before a paid call a job reserves the call's estimate. The reservation is refused if
it would push the video past ``per_video_usd`` or the sweep past ``per_sweep_usd``,
counting what is already settled *and* what other jobs have reserved but not settled,
so parallel jobs cannot together overshoot. After the call the reservation is settled
to the actual cost (or released if nothing was spent). What the provider may have billed
without our knowing (a paid request whose reply was lost after it was sent) is settled as
*possibly billed*: kept apart from the confirmed spend, and held against both caps for good.

Two implementations pass one test suite: ``SqliteLedger`` (a file in the sweep dir;
``BEGIN IMMEDIATE`` transactions serialize writers across processes) for local
launchers, and ``RedisLedger`` (one Lua script per operation, atomic on the server)
for RQ workers on several machines.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from adbatch.errors import AdbatchError

EPS = 1e-9


class CapExceeded(AdbatchError):
    """A reservation would cross a cap; the call must not be made."""

    def __init__(self, *, cap: str, limit: float, committed: float, amount: float) -> None:
        self.cap, self.limit, self.committed, self.amount = cap, limit, committed, amount
        super().__init__(
            f"{cap} cap ${limit:.2f} would be exceeded: ${committed:.4f} already committed "
            f"+ ${amount:.4f} for this call"
        )


@dataclass(frozen=True)
class Caps:
    per_video_usd: float
    per_sweep_usd: float


@dataclass(frozen=True)
class Totals:
    settled_usd: float
    reserved_usd: float  # reserved and not yet settled
    possibly_billed_usd: float = 0.0  # replies lost after sending: maybe billed, held against the caps


class Ledger(Protocol):
    def reserve(self, video: str, amount: float) -> str:
        """Reserve ``amount`` for ``video``; return a reservation id or raise CapExceeded."""

    def settle(self, reservation: str, actual: float, possibly_billed: float = 0.0) -> None:
        """Replace the reservation by what the call actually cost (0 releases it), plus what it may have been
        billed besides (``possibly_billed``: counted against the caps, never released)."""

    def release_stale(self, video: str) -> int:
        """Release reservations a dead earlier attempt of ``video`` left behind; return how many."""

    def totals(self, video: str | None = None) -> Totals:
        """Settled and open amounts, for one video or the whole sweep."""


class SqliteLedger:
    """A ledger in a SQLite file; safe across processes on one machine (or a POSIX shared FS)."""

    def __init__(self, path: str | Path, caps: Caps) -> None:
        self.path, self.caps = Path(path), caps
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS spend (id TEXT PRIMARY KEY, video TEXT NOT NULL, "
                "amount REAL NOT NULL, state TEXT NOT NULL, at REAL NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS spend_video ON spend (video)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def reserve(self, video: str, amount: float) -> str:
        rid = uuid.uuid4().hex
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time: check and insert atomically
            open_sum = "SELECT COALESCE(SUM(amount), 0) FROM spend WHERE state != 'released'"
            sweep = db.execute(open_sum).fetchone()[0]
            mine = db.execute(open_sum + " AND video = ?", (video,)).fetchone()[0]
            _check(self.caps, sweep=sweep, video=mine, amount=amount)
            db.execute("INSERT INTO spend VALUES (?, ?, ?, 'reserved', ?)", (rid, video, amount, time.time()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK") if db.in_transaction else None
            raise
        finally:
            db.close()
        return rid

    def settle(self, reservation: str, actual: float, possibly_billed: float = 0.0) -> None:
        state = "settled" if actual > 0 else "released"
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE spend SET amount = ?, state = ? WHERE id = ?", (actual, state, reservation))
            if possibly_billed > 0:  # a row of its own: release_stale and totals tell it from confirmed spend
                db.execute(
                    "INSERT INTO spend SELECT ?, video, ?, 'possible', ? FROM spend WHERE id = ?",
                    (uuid.uuid4().hex, possibly_billed, time.time(), reservation),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK") if db.in_transaction else None
            raise
        finally:
            db.close()

    def release_stale(self, video: str) -> int:
        with self._connect() as db:
            return db.execute(
                "UPDATE spend SET state = 'released' WHERE video = ? AND state = 'reserved'", (video,)
            ).rowcount

    def totals(self, video: str | None = None) -> Totals:
        where, args = ("WHERE video = ?", (video,)) if video else ("", ())
        with self._connect() as db:
            rows = dict(
                db.execute(f"SELECT state, COALESCE(SUM(amount), 0) FROM spend {where} GROUP BY state", args).fetchall()
            )
        return Totals(
            settled_usd=rows.get("settled", 0.0),
            reserved_usd=rows.get("reserved", 0.0),
            possibly_billed_usd=rows.get("possible", 0.0),
        )


# KEYS: sweep hash, video hash; ARGV: video, amount, id, per_video, per_sweep, now
_RESERVE = """
local sweep = tonumber(redis.call('HGET', KEYS[1], 'open') or '0')
local mine = tonumber(redis.call('HGET', KEYS[2], 'open') or '0')
local amount = tonumber(ARGV[2])
if mine + amount > tonumber(ARGV[4]) + 1e-9 then return {'video', tostring(mine)} end
if sweep + amount > tonumber(ARGV[5]) + 1e-9 then return {'sweep', tostring(sweep)} end
redis.call('HINCRBYFLOAT', KEYS[1], 'open', amount)
redis.call('HINCRBYFLOAT', KEYS[2], 'open', amount)
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', amount)
redis.call('HINCRBYFLOAT', KEYS[2], 'reserved', amount)
redis.call('HSET', KEYS[3], ARGV[3], cjson.encode({video=ARGV[1], amount=amount, state='reserved'}))
return {'ok', ARGV[3]}
"""
# KEYS: sweep hash, reservations hash, video key prefix; ARGV: id, actual, possibly billed
_SETTLE = """
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local r = cjson.decode(raw)
if r.state ~= 'reserved' then return 0 end
local vkey = KEYS[3] .. r.video
local actual = tonumber(ARGV[2])
local possible = tonumber(ARGV[3])
local delta = actual + possible - r.amount
redis.call('HINCRBYFLOAT', KEYS[1], 'open', delta)
redis.call('HINCRBYFLOAT', vkey, 'open', delta)
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', -r.amount)
redis.call('HINCRBYFLOAT', vkey, 'reserved', -r.amount)
redis.call('HINCRBYFLOAT', KEYS[1], 'settled', actual)
redis.call('HINCRBYFLOAT', vkey, 'settled', actual)
redis.call('HINCRBYFLOAT', KEYS[1], 'possible', possible)
redis.call('HINCRBYFLOAT', vkey, 'possible', possible)
r.possible = possible
r.state = (actual > 0) and 'settled' or 'released'
r.amount = actual
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(r))
return 1
"""


class RedisLedger:
    """The same ledger on Redis, for jobs spread over RQ workers on several machines."""

    def __init__(self, url: str, sweep: str, caps: Caps) -> None:
        import redis

        self.db, self.caps = redis.Redis.from_url(url), caps
        self.prefix = f"adbatch:ledger:{sweep}:"
        self._reserve = self.db.register_script(_RESERVE)
        self._settle = self.db.register_script(_SETTLE)

    def _keys(self, video: str) -> tuple[str, str, str]:
        return self.prefix + "sweep", self.prefix + "video:" + video, self.prefix + "reservations"

    def reserve(self, video: str, amount: float) -> str:
        sweep, vkey, res = self._keys(video)
        rid = uuid.uuid4().hex
        kind, value = (
            x.decode() if isinstance(x, bytes) else x
            for x in self._reserve(
                keys=[sweep, vkey, res],
                args=[
                    video,
                    repr(amount),
                    rid,
                    repr(self.caps.per_video_usd),
                    repr(self.caps.per_sweep_usd),
                    repr(time.time()),
                ],
            )
        )
        if kind != "ok":
            limit = self.caps.per_video_usd if kind == "video" else self.caps.per_sweep_usd
            raise CapExceeded(cap=f"per-{kind}", limit=limit, committed=float(value), amount=amount)
        return rid

    def settle(self, reservation: str, actual: float, possibly_billed: float = 0.0) -> None:
        sweep, _, res = self._keys("")
        args = [reservation, repr(actual), repr(possibly_billed)]
        self._settle(keys=[sweep, res, self.prefix + "video:"], args=args)

    def release_stale(self, video: str) -> int:
        import json

        _, _, res = self._keys(video)
        stale = [
            rid
            for rid, raw in self.db.hgetall(res).items()
            if (r := json.loads(raw))["video"] == video and r["state"] == "reserved"
        ]
        for rid in stale:
            self.settle(rid.decode() if isinstance(rid, bytes) else str(rid), 0.0)
        return len(stale)

    def totals(self, video: str | None = None) -> Totals:
        sweep, vkey, _ = self._keys(video or "")
        raw = self.db.hgetall(vkey if video else sweep).items()
        data = {(k.decode() if isinstance(k, bytes) else str(k)): float(v) for k, v in raw}
        return Totals(
            settled_usd=max(0.0, data.get("settled", 0.0)),
            reserved_usd=max(0.0, data.get("reserved", 0.0)),
            possibly_billed_usd=max(0.0, data.get("possible", 0.0)),
        )


def _check(caps: Caps, *, sweep: float, video: float, amount: float) -> None:
    if video + amount > caps.per_video_usd + EPS:
        raise CapExceeded(cap="per-video", limit=caps.per_video_usd, committed=video, amount=amount)
    if sweep + amount > caps.per_sweep_usd + EPS:
        raise CapExceeded(cap="per-sweep", limit=caps.per_sweep_usd, committed=sweep, amount=amount)
