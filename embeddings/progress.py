"""One progress bar for every long job (index builds, imports, nightly planning, re-indexing).

`progress` returns a tqdm bar (rate and ETA) when asked for and the output is a terminal, and a
silent stand-in otherwise, so logs and pipes get no carriage-return noise and callers never branch.
"""

from __future__ import annotations

import sys
from typing import IO, Any, Protocol

__all__ = ["Progress", "progress"]


class Progress(Protocol):
    """What jobs call on a bar."""

    def update(self, n: float = 1) -> Any:
        """Advance by ``n``."""
        ...

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> Any:
        """Show ``s`` after the counts (e.g. cache hits)."""
        ...

    def close(self) -> Any:
        """Finish the bar."""
        ...

    def __enter__(self) -> Any: ...

    def __exit__(self, kind: Any, error: Any, tb: Any, /) -> Any: ...


class _Silent:
    """A bar that shows nothing (progress off or not a terminal)."""

    def update(self, n: float = 1) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, kind: object, error: object, tb: object, /) -> None:
        pass


def progress(
    total: int | None,
    description: str,
    *,
    unit: str = "it",
    enabled: bool = True,
    file: IO[str] | None = None,
) -> Progress:
    """A progress bar with rate and ETA over ``total`` steps, or a silent one.

    Args:
        total: steps expected (None: unknown, no ETA).
        description: label in front of the bar.
        unit: name of one step (``expert``, ``text`` …).
        enabled: the caller's ``show_progress``.
        file: where to draw (default stderr); nothing is drawn unless it is a terminal.
    """
    stream = file if file is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    if not enabled or not (callable(isatty) and isatty()):
        return _Silent()
    from tqdm.auto import tqdm  # imported only when a bar is drawn

    bar: Progress = tqdm(total=total, desc=description, unit=unit, file=stream, dynamic_ncols=True)
    return bar
