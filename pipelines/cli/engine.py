"""The ``--engine`` and ``--ray-address`` options shared by ``build-index`` and ``nightly``."""

from __future__ import annotations

from typing import Annotated

import typer

from pipelines.distributed import ENGINES, Engine, create_engine

EngineName = Annotated[
    str,
    typer.Option(
        "--engine",
        help=f"Where embedding and batch matching run: {', '.join(ENGINES)} (local: this process; "
        "fork: batch matching on every core of this machine; ray: a Ray cluster).",
    ),
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray-address", help="Ray cluster to join, host:port of the head (default: start a local one)."
    ),
]


def open_engine(name: str, address: str | None) -> Engine:
    """The chosen engine; a bad choice or a missing Ray installation is a clear option error.

    Raises:
        typer.BadParameter: naming the option and what to do.
    """
    try:
        return create_engine(name, address=address)
    except ImportError as error:
        raise typer.BadParameter(str(error), param_hint="--engine") from None
    except ConnectionError as error:
        raise typer.BadParameter(str(error), param_hint="--ray-address") from None
    except ValueError as error:
        hint = "--ray-address" if "ray-address" in str(error) else "--engine"
        raise typer.BadParameter(str(error), param_hint=hint) from None
