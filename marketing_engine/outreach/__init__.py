"""Outreach: crawling prospect and competitor sites, journalist queries, pitches,
email sequences, backlink verification, creators and communities, and the E-E-A-T audit.

Plain Python (no Dagster here); the assets in `marketing_engine/assets/outreach.py` wire it up."""
