"""`EmbeddingMetric`: a validation loop's batches give the reports of `evaluate_embeddings` on
the whole data, in one process and in two gloo processes whose `DistributedSampler` pads an
uneven dataset with repeated samples.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import EmbeddingMetric, InputError, evaluate_embeddings

from .conftest import ROOT, run_page_example

N_CAPTIONS, N_CLIPS, DIM = 23, 6, 8  # 23 captions: two processes get 12 each, one repeated


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Caption embeddings, clip embeddings and each caption's clip (every clip described)."""
    rng = np.random.default_rng(seed)
    clip_of = np.concatenate([np.arange(N_CLIPS), rng.integers(0, N_CLIPS,
                                                                N_CAPTIONS - N_CLIPS)])
    rng.shuffle(clip_of)
    text = rng.normal(size=(N_CAPTIONS, DIM)).astype(np.float32)
    audio = rng.normal(size=(N_CLIPS, DIM)).astype(np.float32)
    return text, audio, clip_of


def _same(a: dict, b: dict) -> None:  # type: ignore[type-arg]
    assert list(a) == list(b)
    for direction in a:
        np.testing.assert_equal(a[direction].to_dict(), b[direction].to_dict())  # NaN == NaN


def test_batches_in_any_order_with_repeats_give_the_whole_data_report() -> None:
    text, audio, clip_of = _data()
    metric = EmbeddingMetric(metrics=["mAP@10", "R@1", "R@5", "median_rank"])
    order = np.random.default_rng(1).permutation(N_CAPTIONS)
    order = np.concatenate([order, order[:4]])  # four samples seen twice, as padding repeats
    for lo in range(0, order.size, 5):
        idx = order[lo:lo + 5]
        metric.update(text[idx], audio[clip_of[idx]], clip_of[idx], caption_ids=idx)
    expected = evaluate_embeddings(text, audio, clip_of,
                                   metrics=["mAP@10", "R@1", "R@5", "median_rank"])
    _same(metric.compute(), expected)
    _same(metric.compute(), expected)  # compute does not consume the samples
    metric.reset()
    with pytest.raises(InputError, match="no samples"):
        metric.compute()


def test_without_caption_ids_the_samples_are_taken_in_arrival_order() -> None:
    text, audio, clip_of = _data(2)
    names = np.array([f"clip_{c}.wav" for c in clip_of])  # clip names sort as the indices
    metric = EmbeddingMetric(directions=("text-to-audio",))
    for lo in range(0, N_CAPTIONS, 4):
        metric.update(text[lo:lo + 4], audio[clip_of[lo:lo + 4]], list(names[lo:lo + 4]))
    _same(metric.compute(), evaluate_embeddings(text, audio, clip_of,
                                                directions=("text-to-audio",)))


def test_a_caption_id_given_with_two_clips_is_refused() -> None:
    text, audio, clip_of = _data()
    metric = EmbeddingMetric()
    metric.update(text[:2], audio[:2], [0, 1], caption_ids=[7, 7])
    with pytest.raises(InputError, match="caption id 7"):
        metric.compute()
    with pytest.raises(ValueError, match="every batch"):
        metric.update(text[:2], audio[:2], [0, 1])  # ids with one batch, none with the next
    with pytest.raises(InputError, match="one per sample"):
        metric.update(text[:2], audio[:2], [0], caption_ids=[1, 2])


def test_the_metric_object_never_imports_torch() -> None:
    code = ("import sys, numpy as np\nfrom dcase_retrieval_eval import EmbeddingMetric\n"
            "m = EmbeddingMetric()\nm.update(np.eye(4), np.eye(4), np.arange(4), np.arange(4))\n"
            "m.compute()\nassert 'torch' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


_WORKER = r'''
import json, sys
import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
from dcase_retrieval_eval import EmbeddingMetric
from tests.test_embedding_metric import _data

rank, store, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
dist.init_process_group("gloo", init_method="file://" + store, rank=rank, world_size=2)
text, audio, clip_of = _data()
data = TensorDataset(torch.from_numpy(text), torch.from_numpy(audio[clip_of]),
                     torch.from_numpy(clip_of), torch.arange(len(clip_of)))
sampler = DistributedSampler(data, num_replicas=2, rank=rank, shuffle=True, seed=3)
result = {"samples": len(sampler)}
for as_tensors in (True, False):
    metric = EmbeddingMetric()
    for t, a, c, i in DataLoader(data, batch_size=5, sampler=sampler):
        if as_tensors:
            metric.update(t, a, c, caption_ids=i)
        else:  # NumPy batches: gathered with all_gather_object
            metric.update(t.numpy(), a.numpy(), c.numpy(), caption_ids=i.numpy())
    result[str(as_tensors)] = {d: r.to_dict() for d, r in metric.compute().items()}
plain = EmbeddingMetric()
for t, a, c, i in DataLoader(data, batch_size=5, sampler=sampler):
    plain.update(t, a, c)
try:
    plain.compute()
except ValueError as exc:
    result["without_ids"] = str(exc)
dist.destroy_process_group()
with open(out, "w") as f:
    json.dump(result, f)
'''


def _nan_equal(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_nan_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_nan_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_two_gloo_processes_with_a_padded_sampler_give_the_whole_data_report(
        tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("torch.distributed")
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed is not available")
    script = tmp_path / "worker.py"
    script.write_text(_WORKER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    outs = [tmp_path / f"rank{r}.json" for r in range(2)]
    procs = [subprocess.Popen([sys.executable, str(script), str(r), str(tmp_path / "store"),
                               str(outs[r])], cwd=ROOT, env=env, stderr=subprocess.PIPE,
                              text=True) for r in range(2)]
    for p in procs:
        try:
            _, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("a gloo worker hung")
        assert p.returncode == 0, err[-3000:]
    results = [json.loads(o.read_text(encoding="utf-8")) for o in outs]
    assert 2 * results[0]["samples"] > N_CAPTIONS  # the sampler padded the dataset
    text, audio, clip_of = _data()
    expected = {d: json.loads(json.dumps(r.to_dict()))
                for d, r in evaluate_embeddings(torch.from_numpy(text), torch.from_numpy(audio),
                                                clip_of).items()}
    for res in results:  # every process gets the whole report, from tensors or from arrays
        assert _nan_equal(res["True"], expected)
        assert _nan_equal(res["False"], expected)
        assert "caption_ids are needed" in res["without_ids"]


def test_the_metric_example_of_the_evaluate_page_prints_what_the_page_shows() -> None:
    printed, shown = run_page_example("evaluate.md", "metric-example")
    assert printed == shown
