"""`faqbot serve`: the HTTP API, the chat page and the embeddable widget.

Needs the ``serve`` extra (``pip install 'faqbot[serve]'``): Starlette, uvicorn
and prometheus_client are imported only here, so ``faqbot ask`` and a plain
``pip install faqbot`` never load or pull them.

    from faqbot import FAQBot
    from faqbot.serve import ServeConfig, create_app
    app = create_app(FAQBot.load(), ServeConfig(secret=b"a long random shared key"))  # any ASGI server

See docs/serve.md for the API, the widget and the scale-out story.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .server import run

if TYPE_CHECKING:
    from .app import create_app
    from .config import ServeConfig

__all__ = ["ServeConfig", "create_app", "run"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "ServeConfig":
        from .config import ServeConfig

        return ServeConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
