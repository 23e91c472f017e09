"""One client package per platform: its auth, its retry policy and its settings.

| package | APIs | used by |
| --- | --- | --- |
| `x` | X API v2 (tweepy and httpx), OAuth 2.0 refresh | publishing, trends, metrics, discovery |
| `google` | YouTube Data v3, YouTube Analytics v2, Search Console v1 (discovery clients), GA4 Data v1beta (google-analytics-data), OAuth refresh (google-auth) | publishing, trends, metrics, discovery |
| `meta` | Graph API: Facebook Pages, Instagram, Threads, insights, Ad Library | publishing, metrics (Threads too), competitor ads |
| `reddit` | praw with prawcore's own retries off | publishing, trends, discovery, metrics |
| `linkedin` | REST API (versioned headers), OAuth refresh | publishing, metrics |
| `tiktok` | Content Posting API, Display API, Research API, OAuth | publishing, trends, metrics |
| `pinterest` | API v5 (pins, pin analytics), OAuth refresh | publishing, metrics |
| `bluesky` | AT Protocol XRPC sessions | publishing, metrics |

Each package has `settings.py` (base URLs, API versions, its `RetryPolicy` and rate-limit wait) and
`client.py` (auth and requests). Their SDKs are imported inside functions, so importing a package
costs nothing until a platform is used. The retry policy itself is `marketing_engine.resources.retry`.
"""
