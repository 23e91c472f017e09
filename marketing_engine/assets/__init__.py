"""Dagster assets and asset checks, one module per domain. They only wire: read inputs and
resources, call the domain packages, write results and attach metadata."""
