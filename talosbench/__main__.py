"""``python -m talosbench``: the same application as the ``talosbench`` script."""

from talosbench.cli import app

app(prog_name="talosbench")
