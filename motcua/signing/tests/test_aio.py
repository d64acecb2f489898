"""pyHanko's coroutines run from sync code, also where the thread already runs an event loop
(as under an ASGI server or after browser tests started Playwright's loop)."""

import asyncio
import threading

from motcua.signing.aio import run


async def _where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_runs_a_coroutine_without_a_loop():
    assert run(_where()) == threading.current_thread().name


def test_runs_a_coroutine_inside_a_running_loop_on_another_thread():
    async def inside_a_loop():
        return run(_where())  # asyncio.run() here would raise RuntimeError

    outer = threading.current_thread().name
    assert asyncio.run(inside_a_loop()) != outer
