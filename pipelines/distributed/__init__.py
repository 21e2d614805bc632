"""Where bulk work runs: here (``local``), in forked workers here (``fork``) or on a Ray cluster (``ray``).

`create_engine` picks one by name. Ray is imported only in `pipelines.distributed.ray_engine` (an
import-linter contract), so everything else runs without it installed.
"""

from __future__ import annotations

from pipelines.distributed.base import Engine
from pipelines.distributed.factory import ENGINES, create_engine
from pipelines.distributed.forked import ForkEngine
from pipelines.distributed.local import LocalEngine

__all__ = ["ENGINES", "Engine", "ForkEngine", "LocalEngine", "create_engine"]
