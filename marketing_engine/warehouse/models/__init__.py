"""Every warehouse model, imported here so `Base.metadata` knows all tables.

A domain that needs its own tables adds a module beside `core.py` and imports it below.
"""

from marketing_engine.warehouse.models.analytics import (
    AdSpend,
    AttributionCredit,
    BanditAllocation,
    ContentPerformance,
    CustomerJourney,
    ExperimentResult,
    PerformanceForecast,
)
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
from marketing_engine.warehouse.models.desk import DeskUser
from marketing_engine.warehouse.models.experiments import ExperimentAssignment
from marketing_engine.warehouse.models.indexing import IndexPing, IndexStatus
from marketing_engine.warehouse.models.outreach import (
    CompetitorPage,
    JournalistQuery,
    LinkProspect,
    OutreachEmail,
    OutreachSequence,
    Pitch,
    Suppression,
)
from marketing_engine.warehouse.models.publishing import ReviewDecision
from marketing_engine.warehouse.models.seo import SeoPageBrief
from marketing_engine.warehouse.models.trends import TrendOpportunity, TrendSignal, TrendSourceStatus
from marketing_engine.warehouse.models.visibility import AIVisibility

__all__ = [
    "AIVisibility",
    "AdSpend",
    "AttributionCredit",
    "Backlink",
    "BanditAllocation",
    "Base",
    "Campaign",
    "CampaignContent",
    "CampaignMemory",
    "CampaignMetric",
    "CampaignWorkflow",
    "Community",
    "CompetitorPage",
    "ContentAsset",
    "ContentCluster",
    "ContentPerformance",
    "CustomerJourney",
    "DeskUser",
    "ExperimentAssignment",
    "ExperimentResult",
    "IndexPing",
    "IndexStatus",
    "Influencer",
    "JournalistQuery",
    "Keyword",
    "LinkProspect",
    "OutreachCampaign",
    "OutreachEmail",
    "OutreachSequence",
    "PerformanceForecast",
    "Pitch",
    "ProgrammaticPage",
    "ReviewDecision",
    "SeoPageBrief",
    "SerpResult",
    "SocialPost",
    "Suppression",
    "TrendData",
    "TrendOpportunity",
    "TrendSignal",
    "TrendSourceStatus",
    "VideoAsset",
    "VideoDNA",
]
