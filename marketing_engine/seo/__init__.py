"""The SEO engine's domain logic: keyword universe, intent, clusters, page briefs and pages,
JSON-LD, the static site and its quality gates. Plain Python, no Dagster."""
