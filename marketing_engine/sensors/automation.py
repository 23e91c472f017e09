"""The automation condition sensor, running by default.

Dagster makes a `default_automation_condition_sensor` by itself when assets have automation
conditions, but stopped: a deployment would then keep none of them current until someone turned
it on in the UI. This one has the same name and target (every asset) and starts running.
"""

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus

automation_condition_sensor = AutomationConditionSensorDefinition(
    "default_automation_condition_sensor",
    target=AssetSelection.all(),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates every asset's automation condition (assets/automation.py) and runs what is due.",
)
