"""MiniLM clustering: ARI on the labelled set, the embedding cache, large-cluster splitting, hubs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from sklearn.metrics import adjusted_rand_score

from marketing_engine.seo import clustering
from seo.sitekit import hashing_encoder

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


KEYWORDS = [
    "cargo e-bike for kids",
    "how long does an e-bike battery last",
    "e-bike tax credit",
    "best gravel bike tyres for wet roads vs tubeless tyres near me in portland",
    "a",
]


def test_onnx_encoder_matches_sentence_transformers(model_cache: Path) -> None:
    # odd order and lengths: the encoder batches by token count and must put every vector back
    onnx = clustering.onnx_encoder(model_cache)(KEYWORDS)
    torch = clustering.torch_encoder()(KEYWORDS)
    assert (model_cache / "all-MiniLM-L6-v2.onnx").is_file()
    assert float((onnx * torch).sum(axis=1).min()) > 0.9999
    batched = clustering.onnx_encoder(model_cache)(KEYWORDS * 3, batch=2)
    np.testing.assert_allclose(batched, np.vstack([onnx] * 3), atol=1e-5)


def test_int8_is_the_default_encoder_and_stays_close_to_sentence_transformers(
    model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARKETING_ENGINE_SEO_ENCODER", raising=False)
    encoder = clustering.minilm_encoder(model_cache)
    assert encoder is clustering.onnx_encoder(model_cache, int8=True)
    assert (model_cache / "all-MiniLM-L6-v2-int8-per-channel.onnx").is_file()
    similarity = (encoder(KEYWORDS) * clustering.torch_encoder()(KEYWORDS)).sum(axis=1)
    assert float(similarity.min()) > 0.97 and float(similarity.max()) < 0.99999  # close, not the same
    assert clustering.EmbeddingCache(model_cache / "e.sqlite").model == "all-MiniLM-L6-v2-int8-per-channel"


def test_the_encoder_is_chosen_by_setting(model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETING_ENGINE_SEO_ENCODER", "onnx")
    assert clustering.minilm_encoder(model_cache) is clustering.onnx_encoder(model_cache)
    # float32 and PyTorch vectors agree to 1e-5: they share cache rows, int8 ones do not
    assert clustering.EmbeddingCache(model_cache / "e.sqlite").model == "all-MiniLM-L6-v2"
    monkeypatch.setenv("MARKETING_ENGINE_SEO_ENCODER", "gpu")
    with pytest.raises(ValueError, match="'gpu'"):
        clustering.minilm_encoder(model_cache)


@pytest.mark.parametrize("choice", ["onnx-int8", "onnx"])
def test_minilm_average_linkage_reaches_ari_0_9_on_the_labelled_clusters(
    tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch, choice: str
) -> None:
    monkeypatch.setenv("MARKETING_ENGINE_SEO_ENCODER", choice)
    with (DATA / "seo_clusters_labelled.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    keywords = [row["keyword"] for row in rows]
    cache = clustering.EmbeddingCache(tmp_path / "embeddings.sqlite")
    vectors, stats = clustering.embed_keywords(
        keywords, encoder=clustering.minilm_encoder(model_cache), cache=cache
    )
    assert stats.embedded == len(keywords) and vectors.shape == (len(keywords), 384)
    labels = clustering.agglomerative_labels(vectors)
    ari = adjusted_rand_score([row["cluster"] for row in rows], labels)
    print(f"ARI {ari:.3f} on {len(rows)} keywords, {len(set(labels))} clusters")
    assert ari >= 0.9
    # the path for large universes, forced: k-means buckets of about 30, merged across buckets
    bucketed = clustering.agglomerative_labels(vectors, exact_limit=0, bucket_size=30)
    assert adjusted_rand_score([row["cluster"] for row in rows], bucketed) >= 0.9
    clusters = clustering.describe_clusters(keywords, vectors, labels)
    assert 0.7 < clustering.overall_cohesion(clusters) <= 1.0
    hubs = {c.hub for c in clusters if len(c.members) >= 8}
    assert "marathon training plan" in hubs
    # a near tie (centroid similarity 0.912 against 0.910 in float32): int8 may pick either
    assert hubs & {"e-bike tax credit", "e-bike tax incentive eligibility"}
    # a daily re-run embeds only what is new
    again, stats = clustering.embed_keywords(
        [*keywords, "e-bike battery care in summer"],
        encoder=clustering.minilm_encoder(model_cache),
        cache=cache,
    )
    assert (stats.from_cache, stats.embedded) == (len(keywords), 1)
    np.testing.assert_allclose(again[: len(keywords)], vectors, atol=1e-6)
    assert len(cache) == len(keywords) + 1


def test_condensed_distances_match_scipy() -> None:
    vectors = np.random.default_rng(1).normal(size=(50, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    np.testing.assert_allclose(
        clustering.condensed_cosine_distances(vectors, block=7), pdist(vectors, "cosine"), atol=1e-5
    )


def test_oversized_clusters_are_cut_deeper_and_hubs_prefer_seeds() -> None:
    topics = ["battery", "tyre", "brake", "chain"]
    keywords = [f"e-bike {t} {m}" for t in topics for m in ("care", "cost", "tips", "guide", "fix", "check")]
    keywords += [f"{t} problems" for t in topics]
    vectors, _ = clustering.embed_keywords(keywords, encoder=hashing_encoder)
    whole = clustering.agglomerative_labels(vectors, threshold=0.95, max_size=1000)
    split = clustering.agglomerative_labels(vectors, threshold=0.95, max_size=8)
    assert len(set(whole)) < len(set(split))
    assert max(np.bincount(split)) <= 8
    clusters = clustering.describe_clusters(keywords, vectors, split, seeds=["e-bike brake fix"])
    assert any(c.hub == "e-bike brake fix" for c in clusters)


def test_empty_and_single_keyword_universes() -> None:
    assert clustering.agglomerative_labels(np.zeros((0, 384), np.float32)).tolist() == []
    assert clustering.agglomerative_labels(np.ones((1, 384), np.float32)).tolist() == [0]
    assert clustering.embed_keywords([], encoder=hashing_encoder)[0].shape == (0, 384)


def _topics(count: int, per_topic: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around `count` random topic directions (within-topic cosine about 0.6)."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(count), per_topic)
    vectors = rng.normal(size=(count, 64))[truth] + 0.8 * rng.normal(size=(len(truth), 64))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    order = rng.permutation(len(truth))
    return vectors[order], truth[order]


def test_merging_across_buckets_from_single_keywords_is_exact_average_linkage() -> None:
    vectors, _ = _topics(12, 20)
    merged = clustering._merge_across(
        vectors.astype(np.float64), np.ones(len(vectors)), np.zeros(len(vectors), dtype=int), 0.6
    )
    assert adjusted_rand_score(clustering._cut(vectors, 0.6), merged) == 1.0


def test_bucketed_clusters_match_the_exact_ones_when_topics_straddle_buckets() -> None:
    vectors, truth = _topics(40, 25)  # 1,000 vectors in buckets of about 60: most topics are split
    exact = clustering.agglomerative_labels(vectors)
    bucketed = clustering.agglomerative_labels(vectors, exact_limit=100, bucket_size=60)
    assert abs(len(set(bucketed)) - len(set(exact))) <= 1  # 40 topics and a stray
    assert adjusted_rand_score(exact, bucketed) >= 0.98 and adjusted_rand_score(truth, bucketed) >= 0.98
    # a bucket as large as the universe is the exact clustering itself
    whole = clustering.bucketed_cut(vectors, 0.6, bucket_size=len(vectors))
    assert adjusted_rand_score(clustering._cut(vectors, 0.6), whole) == 1.0


def test_identical_keywords_that_k_means_cannot_split_still_cluster_together() -> None:
    vectors = np.tile(np.eye(8, dtype=np.float32)[:2], (40, 1))  # 2 directions, 40 copies each
    labels = clustering.agglomerative_labels(vectors, exact_limit=5, bucket_size=10, max_size=1000)
    assert sorted(np.bincount(labels)) == [40, 40]


def test_the_summary_names_the_clustering_method_by_universe_size() -> None:
    def summary(total: int) -> dict:
        stats = clustering.EmbeddingStats(total, 0, total)
        return clustering.UniverseClusters([], stats, 0.0, 0.0).summary()

    assert summary(clustering.EXACT_LIMIT)["method"] == "exact average linkage"
    assert summary(clustering.EXACT_LIMIT + 1)["method"].startswith("average linkage in k-means buckets")
