"""A small message bus: commands are dispatched by type to handler functions.

``bootstrap.py`` of each service builds one bus, naming for every command type the function
``handle(command, <dependencies>)`` that runs it; dependencies (the unit of work, the read
model, other services' clients, the clock...) are injected by parameter name, so a handler
declares what it needs in its signature and unit tests call it with fakes directly.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

R = TypeVar("R")

Handler = Callable[..., Any]


class UnknownCommand(LookupError):
    pass


def inject(handler: Handler, dependencies: Mapping[str, Any]) -> Callable[[Any], Any]:
    """Binds the handler's parameters after the first (the command) from ``dependencies``."""
    parameters = list(inspect.signature(handler).parameters.values())[1:]
    missing = [p.name for p in parameters if p.name not in dependencies and p.default is inspect.Parameter.empty]
    if missing:
        raise TypeError(f"{handler.__qualname__}: no dependency named {', '.join(missing)}")
    bound = {p.name: dependencies[p.name] for p in parameters if p.name in dependencies}
    return lambda command: handler(command, **bound)


class MessageBus:
    def __init__(self, handlers: Mapping[type[Any], Handler], dependencies: Mapping[str, Any]) -> None:
        self._handlers = {kind: inject(handler, dependencies) for kind, handler in handlers.items()}

    def handle(self, command: Any) -> Any:
        """Runs the command's handler and returns what it returns (errors propagate)."""
        try:
            handler = self._handlers[type(command)]
        except KeyError:
            raise UnknownCommand(f"no handler for {type(command).__name__}") from None
        return handler(command)

    def handles(self, kind: type[Any]) -> bool:
        return kind in self._handlers
