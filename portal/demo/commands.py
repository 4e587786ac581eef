"""`flask demo seed`: fill an empty development database with demo data from real EU places."""

from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data for development.")
