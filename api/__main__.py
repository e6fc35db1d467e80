"""``python -m api`` runs the ``scamscan`` command line (handy where scripts are not on PATH)."""

from api.cli import app

app(prog_name="scamscan")
