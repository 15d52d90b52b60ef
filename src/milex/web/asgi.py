"""The ASGI app as a module attribute, for `uvicorn milex.web.asgi:app` and multi-worker serving."""

from milex.web import create_app

app = create_app(served=True)
