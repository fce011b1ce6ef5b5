"""``python -m portal.analysis PATH [--rules FILE] [--format json|table]``: the ``run`` command alone."""

from .cli import run

if __name__ == "__main__":
    run(prog_name="python -m portal.analysis")
