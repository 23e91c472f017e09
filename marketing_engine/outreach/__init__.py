"""Authority and outreach: crawling prospect and competitor sites, journalist queries, pitches,
email sequences, backlink verification, creators and communities, and the E-E-A-T audit.

Plain Python (no Dagster here); the assets in `marketing_engine/assets/authority.py` wire it up."""
