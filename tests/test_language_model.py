"""Where py3langid's ~70 MB model lives: once in the parse workers' forkserver, shared by every
worker; in the wall's own process only when a post there needs it, loaded in a thread."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

from kiosk.analytics import language
from kiosk.sources.parsing import parse_off_loop
from tests.child import run_python

# Run alone, after the parallel part of `make test` (tests on the other worker would lend it their
# load): the word lists answer before the model is waited for.
pytestmark = pytest.mark.serial

GERMAN = "Das Essen war heute wirklich gut, aber der Kellner kam sehr spät"


def _in_worker() -> tuple[str, bool]:
    """Run in a parse worker: the detected language, and whether the model was already in."""
    loaded = bool(language._identifier.cache_info().currsize)
    return language.detect(GERMAN), loaded


def test_workers_find_the_model_loaded_by_their_forkserver() -> None:
    lang, loaded = asyncio.run(parse_off_loop(60.0, _in_worker))
    assert lang == "de"
    assert loaded, "the worker had to load the model itself"


def test_on_the_wall_s_loop_the_model_is_loaded_only_when_a_post_needs_it() -> None:
    """On a running event loop (the wall's UI thread) in a fresh process: no model after a
    clear post; the first unclear post gets the word lists' answer at once and starts the load
    in a thread; later posts use it."""
    script = textwrap.dedent(
        f"""
        import asyncio, time
        from kiosk.analytics import language

        async def on_loop():
            clear = language.detect("Goedemorgen, de trein is weer te laat")
            loaded = bool(language._identifier.cache_info().currsize)
            first = language.detect({GERMAN!r})
            waited = bool(language._identifier.cache_info().currsize)  # loaded in detect()?
            deadline = time.monotonic() + 60
            while not language._identifier.cache_info().currsize and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return clear, loaded, first, waited, language.detect({GERMAN!r})

        print(*asyncio.run(on_loop()))
        """
    )
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    clear, loaded, first, waited, later = result.stdout.split()
    assert (clear, loaded) == ("nl", "False")  # no model for a clear post
    assert first != "de"  # the word lists cannot name German: the model was not waited for
    assert waited == "False"
    assert later == "de"


def test_off_any_loop_an_unclear_post_waits_for_the_model() -> None:
    """``kiosk analyze``, a parse worker: no loop to keep moving, so the first unclear post
    waits for the model and is named right, in a fresh process as in one where a wall ran."""
    script = textwrap.dedent(
        f"""
        import asyncio
        from kiosk.analytics import language

        async def a_wall_ran_here():
            return language.detect({GERMAN!r})

        on_loop = asyncio.run(a_wall_ran_here())
        print(on_loop != "de", language.detect({GERMAN!r}))
        """
    )
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "de"]
