"""Fixtures for the reliability probes."""

from __future__ import annotations

import random

import pytest
import yaml

from marketing_engine.settings import EXAMPLE_BRAND


@pytest.fixture
def example_data() -> dict:
    """The example brand file as data, to mutate into hostile variants."""
    return yaml.safe_load(EXAMPLE_BRAND.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def dna(example_brand):
    from marketing_engine.video.dna import video_dna

    return video_dna(example_brand)


@pytest.fixture(scope="session")
def short_script(example_brand, dna):
    """A composed 15 s script for the example brand (what tests/video renders too)."""
    from marketing_engine.llm import LLMRequest
    from marketing_engine.video.script import VideoScript, compose_video_script, script_inputs

    inputs = script_inputs(example_brand, "e-bike battery care", 15, dna.words_per_minute, dna.outro_seconds)
    request = LLMRequest(task="video_script", prompt="", inputs=inputs)
    return VideoScript.model_validate(compose_video_script(request, random.Random(1)))
