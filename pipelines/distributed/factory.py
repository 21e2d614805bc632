"""`create_engine`: an engine by name."""

from __future__ import annotations

import os

from pipelines.distributed.base import Engine
from pipelines.distributed.forked import ForkEngine
from pipelines.distributed.local import LocalEngine

ENGINES = ("local", "fork", "ray")


def create_engine(name: str = "local", *, address: str | None = None, num_cpus: int | None = None) -> Engine:
    """The engine called ``name``.

    Args:
        name: ``local`` (this process), ``fork`` (forked workers on every core of this machine, batch
            matching only) or ``ray`` (a Ray cluster; needs the ``ray`` extra).
        address: Ray only: the cluster to join (``host:port`` of the head); None starts a local one.
        num_cpus: Ray only: CPUs of a cluster started here (default: every core).

    Raises:
        ValueError: for an unknown name, or an address given to the local engine.
        ImportError: for ``ray`` when Ray is not installed (the message says what to install).
    """
    cleaned = name.strip().lower()
    if cleaned in ("local", "fork") and address:
        raise ValueError("--ray-address needs --engine ray")
    if cleaned == "local":
        return LocalEngine()
    if cleaned == "fork":
        return ForkEngine()
    if cleaned == "ray":
        # Ray reads the mode when imported; clusters from `ray start` (2.59+) require the token
        # (~/.ray/auth_token or RAY_AUTH_TOKEN), which a driver joining by address sends only in this mode
        os.environ.setdefault("RAY_AUTH_MODE", "token")
        try:
            from pipelines.distributed.ray_engine import RayEngine
        except ImportError as error:
            raise ImportError(f"--engine ray needs Ray: pip install 'haizhi-match[ray]' ({error})") from error
        return RayEngine(address=address, num_cpus=num_cpus)
    raise ValueError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)}")
