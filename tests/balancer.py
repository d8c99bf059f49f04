"""A small TCP load balancer for the multi-machine test: each connection to LISTEN goes to the next
of the BACKENDS in turn (round robin), and skips one that refuses.

    python tests/balancer.py HOST:PORT BACKEND_HOST:PORT [BACKEND_HOST:PORT ...]
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from contextlib import suppress


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with suppress(ConnectionError, OSError):
        writer.close()


async def serve(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    turns = itertools.cycle(range(len(backends)))

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        for _ in backends:
            host, port = backends[next(turns)]
            try:
                backend_reader, backend_writer = await asyncio.open_connection(host, port)
            except OSError:
                continue
            await asyncio.gather(pipe(client_reader, backend_writer), pipe(backend_reader, client_writer))
            return
        client_writer.close()

    server = await asyncio.start_server(handle, *listen)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


def address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


if __name__ == "__main__":
    asyncio.run(serve(address(sys.argv[1]), [address(arg) for arg in sys.argv[2:]]))
