"""pyHanko's coroutines run from sync code, also where the thread already runs an event loop
(as under an ASGI server, or in a test run after something started a loop on the main thread).
Each case runs on a fresh thread of its own, so the outer state of the process does not matter."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from motcua.signing.aio import run


async def _where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def _on_a_fresh_thread(fn):
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="case") as pool:
        return pool.submit(fn).result()


def test_runs_a_coroutine_without_a_loop_on_the_same_thread():
    def case():
        return threading.current_thread().name, run(_where())

    caller, ran_on = _on_a_fresh_thread(case)
    assert ran_on == caller


def test_runs_a_coroutine_inside_a_running_loop_on_another_thread():
    def case():
        async def inside_a_loop():
            return run(_where())  # asyncio.run() here would raise RuntimeError

        return threading.current_thread().name, asyncio.run(inside_a_loop())

    caller, ran_on = _on_a_fresh_thread(case)
    assert ran_on != caller
