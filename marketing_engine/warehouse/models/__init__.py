"""Every warehouse model, imported here so `Base.metadata` knows all tables.

A domain that needs its own tables adds a module beside `core.py` and imports it below.
"""

from marketing_engine.warehouse.models.base import Base
from marketing_engine.warehouse.models.core import (
    Backlink,
    Campaign,
    CampaignContent,
    CampaignMemory,
    CampaignMetric,
    CampaignWorkflow,
    Community,
    ContentAsset,
    ContentCluster,
    Influencer,
    Keyword,
    OutreachCampaign,
    ProgrammaticPage,
    SerpResult,
    SocialPost,
    TrendData,
    VideoAsset,
    VideoDNA,
)

__all__ = [
    "Backlink",
    "Base",
    "Campaign",
    "CampaignContent",
    "CampaignMemory",
    "CampaignMetric",
    "CampaignWorkflow",
    "Community",
    "ContentAsset",
    "ContentCluster",
    "Influencer",
    "Keyword",
    "OutreachCampaign",
    "ProgrammaticPage",
    "SerpResult",
    "SocialPost",
    "TrendData",
    "VideoAsset",
    "VideoDNA",
]
