"""Visibility in AI answers: the brand's questions put to AI assistants, each answer read into a
record (mentioned? cited, and where? its rank among the brands named, the competitors, the sources),
share of voice per assistant, and the gaps where a competitor shows up and the brand does not.

Plain Python: the assets (`assets/visibility.py`) wire it, the backends are `resources/assistants*.py`.
"""
