"""Train the merchant and category models and write them as ONNX files.

    python -m models.training.train            (from the repo root, training venv)

* merchant: learned retrieval over the catalogue's aliases (see ``merchant_model``);
* category (fastText-style): the hashed n-gram / word ids of ``streams.core.featurise``
  index an embedding table; the masked mean of the row's embeddings, the mean of its
  words' static vectors (``word_vectors``), an MCC embedding and the
  ``[is_credit, is_debit]`` flags are concatenated -> a 128-unit ReLU layer -> two softmax
  heads: detailed category (the taxonomy's 104 labels; primary is derived) and
  counterparty type (6 labels). ``CATEGORY_MEMBERS`` such models from different seeds,
  sharing the word table, are averaged.

Trained with PyTorch (fixed seeds, 2 threads, deterministic algorithms), then written with
``onnx.helper`` as a small explicit graph (Gather -> MatMul with the mask -> Gemm ->
Softmax). Embedding tables are stored as float16 (cast to float32 after the Gather) to keep
the files small. The recipe gives the same ONNX bytes on every run on the same machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import onnx
import polars as pl
import torch
from onnx import TensorProto, helper
from torch import nn
from torch.nn import functional as F  # noqa: N812 - the torch idiom

from models.training.brands import Brand, load_brands
from models.training.common_words import common_words
from models.training.generate_data import ROOT, UNKNOWN, generate, taxonomy
from models.training.merchant_model import AliasIndex, fit_merchant, merchant_onnx
from models.training.onnx_io import initialiser
from models.training.word_vectors import WordVectors, word_vectors
from streams.core.alias_evidence import ALIAS_MIN_CHARS, alias_key
from streams.core.featurise import (
    BUCKETS,
    FEATURISER_VERSION,
    MAX_WORDS,
    MCC_SIZE,
    SEQ_LEN,
    WORD_START,
    featurise,
)
from streams.inference.repository import ALIASES_FILE, COMMON_WORDS_FILE

REPO = ROOT / "models" / "repository"
CTYPES = ("merchant", "person", "employer", "bank", "government", "unknown")
SEED = 1234
THREADS = 2
# lr: Adam on the dense layers; emb_lr: Adagrad on the (sparse) embedding tables.
# ngram_dropout: the share of training rows whose n-gram mean is zeroed, so the word vectors
# must carry the label on their own (without it the n-grams fit the training templates and
# the words, which generalise to unseen ones, are ignored).
CONFIG = {
    "category": {
        "dim": 24,
        "mcc_dim": 16,
        "hidden": 128,
        "epochs": 2,
        "lr": 1e-2,
        "emb_lr": 0.5,
        "ngram_dropout": 0.3,
    },
}
BATCH = 1024
# The category model is the mean of this many members trained from different seeds (the
# word table is shared): single members agree on the training templates and disagree on
# unseen ones, so their mean is both steadier and more accurate there.
CATEGORY_MEMBERS = 3


class BagModel(nn.Module):
    """Mean of hashed-id embeddings + mean of the words' static vectors + MCC embedding +
    direction -> (hidden) -> heads."""

    def __init__(
        self,
        dim: int,
        mcc_dim: int,
        hidden: int,
        heads: tuple[int, ...],
        words: WordVectors,
        ngram_dropout: float,
    ) -> None:
        super().__init__()
        self.register_buffer("word_rows", torch.from_numpy(words.rows.astype(np.int64)))
        self.register_buffer("word_vecs", torch.from_numpy(words.vectors))
        self.ngram_dropout = ngram_dropout
        self.emb = nn.Embedding(BUCKETS, dim, padding_idx=0, sparse=True)
        self.mcc = nn.Embedding(MCC_SIZE, mcc_dim, padding_idx=0, sparse=True)
        nn.init.uniform_(self.emb.weight, -1.0 / dim, 1.0 / dim)
        nn.init.normal_(self.mcc.weight, 0.0, 0.1)
        with torch.no_grad():
            self.emb.weight[0].zero_()
            self.mcc.weight[0].zero_()
        width = dim + words.vectors.shape[1] + mcc_dim + 2
        self.hidden = nn.Linear(width, hidden)
        self.heads = nn.ModuleList(nn.Linear(hidden, size) for size in heads)

    def forward(
        self, tokens: torch.Tensor, words: torch.Tensor, mcc: torch.Tensor, dense: torch.Tensor
    ) -> list[torch.Tensor]:
        pooled = F.embedding_bag(tokens, self.emb.weight, mode="mean", padding_idx=0, sparse=True)
        if self.training and self.ngram_dropout > 0:  # make the word vectors carry weight
            keep = torch.rand(len(pooled), 1) >= self.ngram_dropout
            pooled = pooled * keep
        rows = self.word_rows[words]
        found = (rows > 0).float()
        vectors = (found.unsqueeze(1) @ self.word_vecs[rows])[:, 0]
        vectors = vectors / found.sum(1, keepdim=True).clamp(min=1.0)
        x = torch.cat([pooled, vectors, self.mcc(mcc[:, 0]), dense], dim=1)
        x = F.relu(self.hidden(x))
        return [head(x) for head in self.heads]


def _compact(tokens: np.ndarray) -> np.ndarray:
    """Real ids first in each row (a bag has no order), so batches can be cut short."""
    return -np.sort(-tokens, axis=1)


def fit(
    name: str,
    feats: dict[str, np.ndarray],
    targets: list[np.ndarray],
    heads: tuple[int, ...],
    words: WordVectors,
    seed: int,
) -> BagModel:
    cfg = CONFIG[name]
    torch.manual_seed(seed)
    model = BagModel(
        int(cfg["dim"]),
        int(cfg["mcc_dim"]),
        int(cfg["hidden"]),
        heads,
        words,
        float(cfg["ngram_dropout"]),
    )
    sparse = [model.emb.weight, model.mcc.weight]
    dense_params = [p for n, p in model.named_parameters() if not n.startswith(("emb", "mcc"))]
    opt_sparse = torch.optim.Adagrad(sparse, lr=float(cfg["emb_lr"]))
    opt_dense = torch.optim.Adam(dense_params, lr=float(cfg["lr"]))
    tokens = torch.from_numpy(_compact(feats["tokens"]))
    lengths = torch.from_numpy((feats["tokens"] > 0).sum(1))
    word_cols = torch.from_numpy(feats["tokens"][:, WORD_START : WORD_START + MAX_WORDS].copy())
    mcc, dense = torch.from_numpy(feats["mcc"]), torch.from_numpy(feats["dense"])
    ys = [torch.from_numpy(t.astype(np.int64)) for t in targets]
    gen = torch.Generator().manual_seed(seed)
    n, batch, epochs = tokens.shape[0], BATCH, int(cfg["epochs"])
    steps = epochs * ((n + batch - 1) // batch)
    step = 0
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(n, generator=gen)
        total, start = 0.0, time.perf_counter()
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            width = max(int(lengths[idx].max()), 1)
            decay = 1.0 - step / steps  # linear decay, as fastText does
            for opt, key in ((opt_sparse, "emb_lr"), (opt_dense, "lr")):
                for group in opt.param_groups:
                    group["lr"] = float(cfg[key]) * decay
            outs = model(tokens[idx, :width], word_cols[idx], mcc[idx], dense[idx])
            loss = sum(F.cross_entropy(o, y[idx]) for o, y in zip(outs, ys, strict=True))
            opt_sparse.zero_grad()
            opt_dense.zero_grad()
            loss.backward()  # type: ignore[union-attr]
            opt_sparse.step()
            opt_dense.step()
            total += float(loss.detach()) * len(idx)  # type: ignore[union-attr]
            step += 1
        print(
            f"  {name} epoch {epoch + 1}/{epochs} loss {total / n:.4f} "
            f"({time.perf_counter() - start:.1f}s)",
            flush=True,
        )
    return model.eval()


def to_onnx(members: list[BagModel], outputs: tuple[str, ...], doc: str) -> onnx.ModelProto:
    """The inference graph, written node by node (inputs are featurise()'s tensors): every
    member's heads on the shared word-vector mean, each output the members' mean softmax."""
    shared = members[0].state_dict()
    inits = [
        initialiser("word_rows", shared["word_rows"].numpy().astype(np.int32)),
        initialiser("word_vecs", shared["word_vecs"].numpy().astype(np.float16)),
        initialiser("word_start", np.array([WORD_START], dtype=np.int64)),
        initialiser("word_end", np.array([WORD_START + MAX_WORDS], dtype=np.int64)),
        initialiser("axis1", np.array([1], dtype=np.int64)),
        initialiser("zero_i32", np.array(0, dtype=np.int32)),
        initialiser("one", np.array(1.0, dtype=np.float32)),
        initialiser("members", np.array(float(len(members)), dtype=np.float32)),
    ]
    nodes = [
        helper.make_node("Unsqueeze", ["mask", "axis1"], ["mask3"]),  # [N, 1, L]
        helper.make_node("ReduceSum", ["mask", "axis1"], ["count"], keepdims=1),
        helper.make_node("Max", ["count", "one"], ["count1"]),
        # the words' static vectors: masked mean over the unigram ids that have one
        helper.make_node("Slice", ["tokens", "word_start", "word_end", "axis1"], ["word_ids"]),
        helper.make_node("Gather", ["word_rows", "word_ids"], ["wrows"]),  # [N, W] int32
        helper.make_node("Greater", ["wrows", "zero_i32"], ["wfound_b"]),
        helper.make_node("Cast", ["wfound_b"], ["wfound"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["word_vecs", "wrows"], ["wv16"]),  # [N, W, Dw] f16
        helper.make_node("Cast", ["wv16"], ["wv"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["wfound", "axis1"], ["wfound3"]),  # [N, 1, W]
        helper.make_node("MatMul", ["wfound3", "wv"], ["wsum3"]),  # [N, 1, Dw]
        helper.make_node("Squeeze", ["wsum3", "axis1"], ["wsum"]),
        helper.make_node("ReduceSum", ["wfound", "axis1"], ["wcount"], keepdims=1),
        helper.make_node("Max", ["wcount", "one"], ["wcount1"]),
        helper.make_node("Div", ["wsum", "wcount1"], ["wpooled"]),
    ]
    softmaxes: list[list[str]] = [[] for _ in outputs]
    for m, model in enumerate(members):
        w = {k: v.detach().numpy() for k, v in model.state_dict().items()}
        inits += [
            initialiser(f"emb_{m}", w["emb.weight"].astype(np.float16)),
            initialiser(f"mcc_emb_{m}", w["mcc.weight"].astype(np.float32)),
            initialiser(f"w_h_{m}", w["hidden.weight"]),
            initialiser(f"b_h_{m}", w["hidden.bias"]),
        ]
        nodes += [
            helper.make_node("Gather", [f"emb_{m}", "tokens"], [f"g16_{m}"]),  # [N, L, D] f16
            helper.make_node("Cast", [f"g16_{m}"], [f"g_{m}"], to=TensorProto.FLOAT),
            helper.make_node("MatMul", ["mask3", f"g_{m}"], [f"summed3_{m}"]),  # [N, 1, D]
            helper.make_node("Squeeze", [f"summed3_{m}", "axis1"], [f"summed_{m}"]),
            helper.make_node("Div", [f"summed_{m}", "count1"], [f"pooled_{m}"]),
            helper.make_node("Gather", [f"mcc_emb_{m}", "mcc"], [f"mcc3_{m}"]),  # [N, 1, Dm]
            helper.make_node("Squeeze", [f"mcc3_{m}", "axis1"], [f"mcc_vec_{m}"]),
            helper.make_node(
                "Concat", [f"pooled_{m}", "wpooled", f"mcc_vec_{m}", "dense"], [f"x_{m}"], axis=1
            ),
            helper.make_node("Gemm", [f"x_{m}", f"w_h_{m}", f"b_h_{m}"], [f"h_pre_{m}"], transB=1),
            helper.make_node("Relu", [f"h_pre_{m}"], [f"h_{m}"]),
        ]
        for i in range(len(outputs)):
            inits += [
                initialiser(f"w_{m}_{i}", w[f"heads.{i}.weight"]),
                initialiser(f"b_{m}_{i}", w[f"heads.{i}.bias"]),
            ]
            nodes += [
                helper.make_node(
                    "Gemm", [f"h_{m}", f"w_{m}_{i}", f"b_{m}_{i}"], [f"logits_{m}_{i}"], transB=1
                ),
                helper.make_node("Softmax", [f"logits_{m}_{i}"], [f"p_{m}_{i}"], axis=1),
            ]
            softmaxes[i].append(f"p_{m}_{i}")
    graph_outputs = []
    for i, out in enumerate(outputs):
        nodes += [
            helper.make_node("Sum", softmaxes[i], [f"psum_{i}"]),
            helper.make_node("Div", [f"psum_{i}", "members"], [out]),
        ]
        size = shared[f"heads.{i}.weight"].shape[0]
        graph_outputs.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, ["N", size]))
    inputs = [
        helper.make_tensor_value_info("tokens", TensorProto.INT64, ["N", SEQ_LEN]),
        helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["N", SEQ_LEN]),
        helper.make_tensor_value_info("mcc", TensorProto.INT64, ["N", 1]),
        helper.make_tensor_value_info("dense", TensorProto.FLOAT, ["N", 2]),
    ]
    graph = helper.make_graph(nodes, "bag", inputs, graph_outputs, inits)
    proto = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17)],
        producer_name="txenrich-train",
        doc_string=doc,
    )
    proto.ir_version = 8
    helper.set_model_props(proto, {"featuriser": FEATURISER_VERSION})
    onnx.checker.check_model(proto)
    return proto


def _write(repo: Path, name: str, proto: onnx.ModelProto, labels: dict[str, list[str]]) -> str:
    folder = repo / name
    (folder / "1").mkdir(parents=True, exist_ok=True)
    data = proto.SerializeToString(deterministic=True)
    (folder / "1" / "model.onnx").write_bytes(data)
    for file, values in labels.items():
        (folder / file).write_text("\n".join(values) + "\n", encoding="utf-8")
    return hashlib.sha256(data).hexdigest()


def alias_lines(brands: list[Brand]) -> list[str]:
    """``merchant/aliases.tsv``: ``merchant_id<TAB>alias`` for the aliases the merchant
    model was built on that are long enough for postprocess's alias evidence."""
    return sorted(
        {
            f"{b.merchant_id}\t{a}"
            for b in brands
            for a in b.aliases
            if len(alias_key(a).strip()) >= ALIAS_MIN_CHARS
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the merchant and category models.")
    parser.add_argument(
        "--out", type=Path, default=REPO, help="model repository to write (default: the real one)"
    )
    out: Path = parser.parse_args().out
    started = time.perf_counter()
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    train = generate("train")
    print(f"generated {train.height} training rows ({time.perf_counter() - started:.0f}s)")
    feats = featurise(train)
    brands, _ = load_brands()
    merchants = [UNKNOWN, *sorted(b.merchant_id for b in brands)]
    details = list(taxonomy())
    m_index = {m: i for i, m in enumerate(merchants)}
    d_index = {d: i for i, d in enumerate(details)}
    c_index = {c: i for i, c in enumerate(CTYPES)}
    y_m = train["merchant_id"].replace_strict(m_index, return_dtype=pl.Int64).to_numpy()
    y_d = train["category_detailed"].replace_strict(d_index, return_dtype=pl.Int64).to_numpy()
    y_c = train["counterparty_type"].replace_strict(c_index, return_dtype=pl.Int64).to_numpy()
    aliases = AliasIndex.build(
        [a for b in brands for a in b.aliases],
        [m_index[b.merchant_id] for b in brands for _ in b.aliases],
    )
    print(
        f"featurised ({time.perf_counter() - started:.0f}s); {len(merchants)} merchant labels, "
        f"{len(aliases.texts)} aliases"
    )

    digests = {}
    merchant = fit_merchant(feats["tokens"], y_m, aliases, SEED)
    digests["merchant"] = _write(
        out,
        "merchant",
        merchant_onnx(merchant, aliases),
        {
            "labels.txt": merchants,
            ALIASES_FILE: alias_lines(brands),
            COMMON_WORDS_FILE: common_words(),
        },
    )
    words = word_vectors()
    members = [
        fit("category", feats, [y_d, y_c], (len(details), len(CTYPES)), words, SEED + k)
        for k in range(CATEGORY_MEMBERS)
    ]
    proto = to_onnx(
        members,
        ("category_probs", "counterparty_probs"),
        "detailed category (labels.txt) and counterparty type (counterparty_labels.txt)",
    )
    digests["category"] = _write(
        out, "category", proto, {"labels.txt": details, "counterparty_labels.txt": list(CTYPES)}
    )
    seconds = time.perf_counter() - started
    summary = {"train_rows": train.height, "train_seconds": round(seconds, 1), "sha256": digests}
    if out != REPO:
        return  # a reproduction check: leave the committed summary alone
    (ROOT / "models" / "training" / "train_summary.json").write_text(
        json.dumps(summary, indent=2) + "\n"
    )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
