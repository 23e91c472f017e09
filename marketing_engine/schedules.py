"""Schedules (daily collection, publishing). Every ScheduleDefinition defined at the top level of
this module is registered by `definitions.py`."""
