"""Fixtures for the video studio: the example brand's DNA and a composed 15 s script."""

from __future__ import annotations

import random

import pytest

from marketing_engine.llm import LLMRequest
from marketing_engine.video.dna import VideoDNA, video_dna
from marketing_engine.video.script import VideoScript, compose_video_script, script_inputs


@pytest.fixture(scope="session")
def dna(example_brand) -> VideoDNA:
    return video_dna(example_brand)


@pytest.fixture(scope="session")
def short_script(example_brand, dna) -> VideoScript:
    inputs = script_inputs(example_brand, "e-bike battery care", 15, dna.words_per_minute, dna.outro_seconds)
    request = LLMRequest(task="video_script", prompt="", inputs=inputs)
    return VideoScript.model_validate(compose_video_script(request, random.Random(1)))
