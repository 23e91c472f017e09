"""Sensors: trend spikes, publish reconciliation, failure alerts. Every SensorDefinition defined at
the top level of a module in this package is registered by `definitions.py`."""
