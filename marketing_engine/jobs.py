"""Asset jobs: the unpartitioned pieces of the loop. `definitions.py` registers every job listed in
`JOBS` (a job added here goes there too).

`make run` runs these jobs and, for the partitioned pieces (snapshot and metric days, topics,
keyword clusters), what the Definitions' sensors ask for — so it runs what a deployment runs.
"""

from dagster import AssetSelection, define_asset_job

from marketing_engine.assets.publishing import PUBLISH_ASSET_KEYS

foundation_job = define_asset_job(
    "foundation_job",
    selection=AssetSelection.groups("foundation"),
    description="The brand profile and its campaigns.",
)

seo_keywords_job = define_asset_job(
    "seo_keywords_job",
    selection=AssetSelection.assets("keyword_universe", "keyword_clusters"),
    description="The keyword universe and its clusters (the keyword_cluster_pages sensor writes their pages).",
)

seo_site_job = define_asset_job(
    "seo_site_job",
    selection=AssetSelection.assets("page_schema", "static_site", "serp_positions"),
    description="Structured data, the static site and SERP positions (the publish_site sensor publishes it).",
)

seo_indexing_job = define_asset_job(
    "seo_indexing_job",
    selection=AssetSelection.assets("indexnow_pings", "index_status"),
    description="New and changed pages announced to IndexNow, the sitemap submitted, each page's index state.",
)

trend_signals_job = define_asset_job(
    "trend_signals_job",
    selection=AssetSelection.assets("trend_signals", "trend_opportunities"),
    description="Signals and ranked opportunities from the snapshots (the trend spike sensor reads them).",
)

video_dna_job = define_asset_job(
    "video_dna_job",
    selection=AssetSelection.assets("video_dna"),
    description="What the brand's videos have in common (the trend spike sensor renders each spike's video).",
)

content_plan_job = define_asset_job(
    "content_plan_job",
    selection=AssetSelection.groups("publishing") - AssetSelection.assets(*PUBLISH_ASSET_KEYS),
    description="Social copy for the new videos and pages, and the content calendar.",
)

# publishing: the publish job the five-minute schedule runs (one step per platform, each in its pool)
publish_due_posts = define_asset_job(
    "publish_due_posts",
    selection=AssetSelection.assets(*PUBLISH_ASSET_KEYS),
    description="Publish every due, approved post exactly once, one step per platform.",
)

analytics_job = define_asset_job(
    "analytics_job",
    selection=AssetSelection.assets(
        "ad_spend",
        "attribution_tables",
        "experiments",
        "performance_forecasts",
        "campaign_memory",
        "marketing_report",
    ),
    description="Attribution, experiments, forecasts and memory from the metrics, and the report.",
)

outreach_job = define_asset_job(
    "outreach_job",
    selection=AssetSelection.groups("outreach"),
    description="Journalist requests and pitches, link prospects, backlinks, outreach, creators and communities.",
)

JOBS = [
    foundation_job,
    seo_keywords_job,
    seo_site_job,
    seo_indexing_job,
    trend_signals_job,
    video_dna_job,
    content_plan_job,
    publish_due_posts,
    analytics_job,
    outreach_job,
]
