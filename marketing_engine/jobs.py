"""Asset jobs. Every job defined at the top level of this module is registered by `definitions.py`."""
