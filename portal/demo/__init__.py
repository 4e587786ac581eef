"""Demo data for development: `flask demo seed`."""
