"""Analytics: journeys, attribution, experiments, bandits, forecasts, campaign memory, report."""
