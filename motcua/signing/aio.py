"""pyHanko's work is asynchronous: run one of its coroutines to completion from our sync code."""

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coro):
    """asyncio.run(), except where this thread already runs an event loop (an ASGI server, a
    worker or test runner with its own loop), where asyncio.run() refuses: then on a
    short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
