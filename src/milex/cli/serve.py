"""`milex serve`: the dashboard and JSON API under uvicorn, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from milex.cli.common import console, handle_errors


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


@handle_errors
def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind (0.0.0.0 exposes it).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    client_timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            help="Seconds a client has to send a whole request before it is disconnected.",
        ),
    ] = 10.0,
) -> None:
    """Start the web dashboard and the /api/v1 JSON API (OpenAPI at /docs).

    It answers to the Host names 127.0.0.1, localhost and the one --host gives, nothing else.
    """
    import os

    import uvicorn

    from milex.web.app import HOSTS_ENV
    from milex.web.timeouts import TIMEOUT_ENV, TimedH11Protocol

    # the worker processes of --workers read the allow-list and the timeout from the environment
    os.environ[HOSTS_ENV] = ",".join(filter(None, [os.environ.get(HOSTS_ENV), host]))
    os.environ[TIMEOUT_ENV] = str(client_timeout)
    console.print(f"milex dashboard on http://{host}:{port}/ (API docs at /docs); Ctrl+C stops")
    # slow clients: a request must arrive whole within --client-timeout (TimedH11Protocol), an
    # idle kept-alive connection closes after 5 s, request headers are capped at 16 KiB
    bounded: dict[str, Any] = {
        "http": TimedH11Protocol,
        "timeout_keep_alive": 5,
        "h11_max_incomplete_event_size": 16 * 1024,
        "log_level": "warning",
    }
    if workers > 1:
        uvicorn.run("milex.web.asgi:app", host=host, port=port, workers=workers, **bounded)
    else:
        from milex.web import create_app

        uvicorn.run(create_app(served=True), host=host, port=port, **bounded)
