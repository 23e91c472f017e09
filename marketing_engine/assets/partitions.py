"""Partitions shared across asset groups.

- `daily`: trend snapshots and metrics, one partition per day.
- `topics`: one partition per trending topic; added by the trend spike sensor (and by hand for any
  topic), consumed by the video and topic assets.
- `keyword_clusters`: one partition per keyword cluster, so one cluster's pages can be regenerated.
"""

from dagster import DailyPartitionsDefinition, DynamicPartitionsDefinition

daily_partitions = DailyPartitionsDefinition(start_date="2025-01-01", end_offset=1)
topics_partitions = DynamicPartitionsDefinition(name="topics")
keyword_cluster_partitions = DynamicPartitionsDefinition(name="keyword_clusters")
