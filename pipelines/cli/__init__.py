"""The ``haizhi`` command line: one module per command group, wired in `pipelines.cli.main`."""
