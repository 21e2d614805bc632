"""The bundled demo: generated experts, organisations, sites, demands and synthetic gold labels."""

from pathlib import Path

DEMO_DATA_DIR = Path(__file__).resolve().parent / "data"
"""The bundled demo files (CSV), as ``haizhi demo`` imports them."""
