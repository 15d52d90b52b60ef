"""The web dashboard and JSON API (`milex serve`): FastAPI over the library, pages in Jinja2."""

from milex.web.app import create_app

__all__ = ["create_app"]
