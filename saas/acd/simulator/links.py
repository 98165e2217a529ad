"""A websocket to the product that the simulator keeps open: reconnects after a drop, and hands
every message it receives to its owner."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

logger = logging.getLogger(__name__)

# Close codes after which trying again cannot help (saas.realtime: 4403 refused, 4404 no such route).
FINAL_CLOSE_CODES = {4403, 4404}
RECONNECT_SECONDS = 1.0


class Link:
    """One websocket to `path` on the tenant's host, through `address` (host, port)."""

    def __init__(self, *, host: str, address: tuple[str, int], path: str, headers: dict[str, str],
                 on_message: Callable[[dict], Awaitable[None] | None], name: str):
        self.host, self.address, self.path, self.headers = host, address, path, headers
        self.on_message = on_message
        self.name = name
        self.socket = None
        self.open = asyncio.Event()
        self.closed_for_good: int | None = None  # the close code, when the product refused us
        self._stopping = False

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.address[1]}{self.path}"

    async def run(self) -> None:
        """Connect, receive until closed, and connect again, until `stop()` or a final refusal."""
        while not self._stopping:
            try:
                async with connect(self.url, host=self.address[0], port=self.address[1],
                                   origin=f"http://{self.host}:{self.address[1]}", additional_headers=self.headers,
                                   compression=None, proxy=None, max_size=2**22, open_timeout=30) as socket:
                    self.socket = socket
                    self.open.set()
                    async for text in socket:
                        outcome = self.on_message(json.loads(text))
                        if asyncio.iscoroutine(outcome):
                            await outcome
                    code = socket.close_code
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
            except (OSError, InvalidStatus, TimeoutError) as error:
                logger.warning("%s: cannot connect (%s), trying again", self.name, error)
                code = None
            finally:
                self.open.clear()
                self.socket = None
            if code in FINAL_CLOSE_CODES:
                self.closed_for_good = code
                self.open.set()  # wakes the senders, who now raise
                return
            if not self._stopping:
                await asyncio.sleep(RECONNECT_SECONDS)

    async def send(self, message: dict) -> None:
        """Send once connected; a message that meets a drop is sent again on the next connection."""
        text = json.dumps(message, ensure_ascii=False)
        while True:
            if self.closed_for_good:
                raise ConnectionRefusedError(f"{self.name}: the product closed the websocket ({self.closed_for_good})")
            await self.open.wait()
            socket = self.socket
            try:
                if socket is not None:
                    await socket.send(text)
                    return
            except ConnectionClosed:
                pass
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self._stopping = True
        socket = self.socket
        if socket is not None:
            with contextlib.suppress(ConnectionClosed):
                await socket.close()
