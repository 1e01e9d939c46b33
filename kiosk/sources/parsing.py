"""Parsing off the UI thread: answers are read in worker processes, each with a time budget.

Why processes and not threads (``benchmarks/parse_lateness.py``, 2 cores): while a 9.6 MB RSS
feed is parsed, a 10 ms timer on the event loop is late by up to 6.7 s when feedparser runs on
the loop, and still by seconds when it runs in a thread (pure-Python parsing holds the GIL); in a
worker process the timer stays within milliseconds. A thread also cannot be stopped: a feed
whose parse never ends would hold its thread for good. A process is killed when its budget runs
out, and a fresh one takes the next job.

Workers come from a ``forkserver`` (``fork`` in a Qt process is unsafe; ``spawn`` would import
everything again per worker) preloaded with the source modules, so a new worker starts in
milliseconds. Each worker also has a memory limit: an answer that blows up while parsed fails
that parse, not the wall.

Parse functions run in the worker must be picklable (top-level functions, or
:func:`functools.partial` of them) and raise only their declared errors (:class:`FetchError`,
:class:`StreamError` and its subclasses); anything else is a bug, reported as a FetchError here
and logged once per kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing
import multiprocessing.connection
import reprlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from kiosk.cores import spread
from kiosk.sources.polling import FetchError, StreamError

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_IDLE_WORKERS = 2  # kept warm between polls; more are started while several sources parse
MAX_WORKERS = 4  # at once: a wall of sources must not fork a process each at the same second
MEMORY_BUDGET = 1 << 30  # bytes a worker may grow by while parsing
WORKER_START_GRACE = 30.0  # seconds a job may wait for its worker, on top of its own budget

DATA_ERRORS: tuple[type[Exception], ...] = (
    ValueError,  # includes UnicodeError, json's errors, int() of more than 4,300 digits
    TypeError,
    LookupError,
    AttributeError,
    ArithmeticError,  # OverflowError: float() of a huge int, a date out of range
    RecursionError,  # deep nesting
    MemoryError,
)
"""What odd data makes library code raise; parsers turn these into their declared errors."""

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["kiosk.sources", "kiosk.analytics.worker_preload"])
_reported: set[str] = set()  # kinds of unexpected errors already logged


def describe(error: BaseException) -> str:
    """A short, plain reason for a data error, e.g. "nested too deeply"."""
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, MemoryError):
        return "too big to read"
    text = str(error).splitlines()[0][:80] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlevel, _short.maxlist, _short.maxdict = 40, 40, 2, 3, 3


def shown(value: Any) -> str:
    """A value quoted in an error message: short, and safe for any value (deep, huge, odd)."""
    try:
        return _short.repr(value)
    except Exception:  # a broken __repr__ of some odd type: its name is enough
        return f"<{type(value).__name__}>"


E = TypeVar("E", bound=Exception)


@contextlib.contextmanager
def reading(declared: type[E], what: str) -> Iterator[None]:
    """Turn a data error inside the block into ``declared("<what> (<reason>)")``."""
    try:
        yield
    except DATA_ERRORS as error:
        raise declared(f"{what} ({describe(error)})") from None


def finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (NaN, ±inf, a bool, text, an int too big)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


MAX_COUNT = 10**12  # a reaction or follower count above this is garbage, not a viral post


def count(value: Any) -> int | None:
    """A count a platform gives (likes, reposts, replies): a whole number from 0 up, else None
    (missing, negative, a bool, text, absurdly large)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        return None
    return value


def plain(value: Any, limit: int = 200) -> str:
    """Text as it is (cut at ``limit``), anything else as :func:`shown` quotes it."""
    return value[:limit] if isinstance(value, str) else shown(value)


class DeadlineExceeded(Exception):  # noqa: N818 (it is not an error: time is up)
    """Raised inside a worker when a :func:`deadline` block ran out of time."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with :class:`DeadlineExceeded`.

    By SIGALRM, so only on a process's main thread (a parse worker's; in the app, parsing never
    runs on the main thread); elsewhere the block runs unbounded, the worker's timeout holds.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise DeadlineExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- the worker side ---------------------------------------------------------------------------


def _serve(
    conn: multiprocessing.connection.Connection, setup: Callable[[], None] | None = None
) -> None:
    """A worker's life: set up, say so; then take a job, run it, send back its value or its
    declared error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the application's to handle
    problem = None
    if setup is not None:  # before the memory limit: a model loaded here is not a parse's
        try:
            setup()
        except Exception as error:  # the worker still parses; the app reports this once
            problem = describe(error) if not str(error) else str(error)
    _limit_memory()
    try:
        conn.send(problem)
    except OSError:  # the app stopped (or gave up on this worker) while it was setting up
        return
    while True:
        try:
            func, args = conn.recv()
        except (EOFError, OSError):
            return
        outcome: tuple[bool, Any]
        try:
            outcome = (True, func(*args))
        except (FetchError, StreamError) as error:
            outcome = (False, error)
        except MemoryError:
            outcome = (False, FetchError("the answer is too big to read"))
        except Exception as error:  # a parser's bug: the caller logs it once
            outcome = (False, _UnexpectedError(f"{type(error).__name__}: {describe(error)}"))
        try:
            conn.send(outcome)
        except Exception as error:  # a value that does not pickle: a bug too
            conn.send((False, _UnexpectedError(f"unpicklable result ({type(error).__name__})")))


def _limit_memory() -> None:
    try:
        import resource

        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
        limit = size + MEMORY_BUDGET
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):  # not Linux: no limit, the timeout still holds
        pass


class _TookTooLong(Exception):  # noqa: N818 (a parse's time budget ran out)
    """A worker did not answer within its job's time budget."""


class _UnexpectedError(Exception):
    """A parser raised what it did not declare; carried back to be logged in the app."""


# -- the application side ----------------------------------------------------------------------


_worker_setup: Callable[[], None] | None = None
_setup_reported: set[str] = set()


def set_worker_setup(setup: Callable[[], None] | None) -> None:
    """Run ``setup`` (picklable) in each parse worker started from now on, before its first
    job and outside any job's time and memory budget: the app loads the layout's sentiment
    model there. A setup that raises is logged once; the worker parses all the same."""
    global _worker_setup
    _worker_setup = setup
    _workers.retire_idle()  # they were set up otherwise


class _Worker:
    def __init__(self) -> None:
        self.conn, child = _context.Pipe()
        self.process = _context.Process(target=_serve, args=(child, _worker_setup), daemon=True)
        self.process.start()
        child.close()
        # Ready once set up: a model loading for seconds is not the first job's time.
        if not self.conn.poll(WORKER_START_GRACE):
            self.close()
            raise OSError(f"a parse worker did not start within {WORKER_START_GRACE:g}s")
        try:
            problem = self.conn.recv()
        except (EOFError, OSError):
            self.close()
            raise
        if problem and problem not in _setup_reported:
            _setup_reported.add(problem)
            log.warning("parse workers: %s", problem)

    def call(
        self, func: Callable[..., Any], args: tuple[Any, ...], timeout: float
    ) -> tuple[bool, Any]:
        """Run one job; :class:`_TookTooLong` when no answer came within ``timeout`` seconds."""
        self.conn.send((func, args))
        if not self.conn.poll(timeout):
            raise _TookTooLong
        result: tuple[bool, Any] = self.conn.recv()
        return result

    def kill(self) -> None:
        """Stop the process; a thread blocked in :meth:`call` then gets EOFError."""
        self.process.kill()

    def close(self) -> None:
        """Kill, reap and close: only by the thread that owns the connection."""
        self.process.kill()
        self.process.join(1.0)
        self.conn.close()


class _Workers:
    def __init__(self) -> None:
        self.idle: list[_Worker] = []
        self.lock = threading.Lock()
        self.busy = 0
        self.freed = threading.Condition(self.lock)

    def take(self) -> _Worker:
        """An idle worker, or a new one; blocks (in a thread) while MAX_WORKERS are busy."""
        with self.lock:
            while self.busy >= MAX_WORKERS:
                self.freed.wait()
            self.busy += 1
            worker = self.idle.pop() if self.idle else None
        if worker is not None and worker.process.is_alive():
            return worker
        try:
            return _Worker()
        except BaseException:
            self.give_back(None)
            raise

    def give_back(self, worker: _Worker | None) -> None:
        with self.lock:
            self.busy -= 1
            if worker is not None and len(self.idle) < MAX_IDLE_WORKERS:
                self.idle.append(worker)
                worker = None
            self.freed.notify()
        if worker is not None:
            worker.close()

    def retire_idle(self) -> None:
        """Stop the idle workers: the next jobs get new ones."""
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.close()

    def run(self, func: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> _Job:
        return _Job(self, func, args, timeout)

    def prestart(self) -> None:
        """Start the idle workers now (and with them the forkserver), so that the first polls
        after a start do not pay for it."""
        spread()  # the forkserver, and every worker it forks, inherit this thread's cores
        started = []
        try:
            for _ in range(MAX_IDLE_WORKERS):
                started.append(self.take())
        except Exception as error:  # no worker can start: each parse will say so in its turn
            log.warning("parse workers did not start: %s", error)
        for worker in started:
            self.give_back(worker)


class _Job:
    """One parse: runs in a thread that waits for a worker; killed with it on timeout."""

    def __init__(
        self, workers: _Workers, func: Callable[..., Any], args: tuple[Any, ...], timeout: float
    ):
        self.workers, self.func, self.args, self.timeout = workers, func, args, timeout
        self.worker: _Worker | None = None
        self.abandoned = threading.Event()

    def __call__(self) -> tuple[bool, Any]:
        spread()  # an executor's thread: it may start the forkserver (prestart)
        worker = self.workers.take()
        self.worker = worker
        if self.abandoned.is_set():
            self.workers.give_back(worker)
            raise EOFError
        try:
            outcome = worker.call(self.func, self.args, self.timeout)
        except BaseException:
            worker.close()
            self.workers.give_back(None)
            raise
        self.workers.give_back(worker)
        return outcome

    def abandon(self) -> None:
        """The caller stopped waiting: end the worker, whatever it is doing."""
        self.abandoned.set()
        if self.worker is not None:
            self.worker.kill()


_workers = _Workers()


def start_workers() -> None:
    """Start the parse workers in the background (the app does this when it has HTTP sources)."""
    threading.Thread(target=_workers.prestart, name="parse-workers", daemon=True).start()


async def parse_off_loop(timeout: float, func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a worker process; its value, or its declared error raised here.

    Raises:
        FetchError: the parse took longer than ``timeout`` seconds (the worker is killed), its
            worker died (out of memory, say), or it raised an error it does not declare.
        StreamError: as the parse raised it.
    """
    # The budget counts from when a worker has the job: starting a worker (the forkserver's
    # first start imports kiosk.sources) or waiting for one of MAX_WORKERS is not the answer's
    # fault, and on a loaded 2-core box it alone took more than a short `timeout:`.
    job = _workers.run(func, args, timeout)
    try:
        async with asyncio.timeout(timeout + WORKER_START_GRACE):
            ok, value = await asyncio.to_thread(job)
    except (TimeoutError, _TookTooLong):
        job.abandon()
        raise FetchError(f"reading the answer took more than {timeout:g}s") from None
    except (EOFError, OSError) as error:
        job.abandon()
        raise FetchError(f"the parser stopped ({type(error).__name__})") from None
    except BaseException:  # cancelled: the worker must not hand its answer to the next job
        job.abandon()
        raise
    if ok:
        return cast(T, value)
    if isinstance(value, _UnexpectedError):
        inner = getattr(func, "func", func)  # a functools.partial names its function
        name = str(getattr(inner, "__name__", "parse"))
        if name not in _reported:
            _reported.add(name)
            log.error("parser %s raised an undeclared error: %s", name, value)
        raise FetchError(f"unreadable answer ({value})")
    raise value
