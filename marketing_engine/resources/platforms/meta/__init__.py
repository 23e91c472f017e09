"""Meta's Graph API: Facebook Pages, Instagram, Threads, post insights and the Ad Library."""

from marketing_engine.resources.platforms.meta.client import GraphClient, GraphError, graph_error

__all__ = ["GraphClient", "GraphError", "graph_error"]
