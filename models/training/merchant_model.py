"""The merchant model: learned retrieval of catalogue aliases, trained and written to ONNX.

A description and every catalogue alias are encoded the same way: the hashed n-gram /
word ids of ``streams.core.featurise`` index a fixed random sign table (a random
projection of the bag of ids: distinct ids are nearly orthogonal, so the cosine of two
encodings measures their weighted id overlap, as TF-IDF retrieval does), each id weighted
by a learned importance ``exp(imp[id])``, summed. The score of an alias is the cosine of the
two vectors; ``unknown`` competes as one more class with a learned constant score ``tau``;
a softmax (temperature learned) over ``[unknown, aliases...]`` gives probabilities, and a
merchant's probability is the sum over its aliases.

Why retrieval, not a softmax layer over 11,925 merchants: most catalogue merchants are seen
a handful of times in training, so a per-class weight vector is barely learned, while the
alias text itself already says what the merchant's descriptors look like. Scoring against
the alias encodings shares every n-gram's embedding between the two sides, so a rare brand
is recognised from its name, and a new catalogue entry needs only its aliases encoded.
Importances start at the id's inverse document frequency over the aliases (an id many
aliases share says little) and learn to ignore wrapper, city and reference-number n-grams;
ids that no alias has start low, so noise never seen in training dilutes little. Only the
importances, ``tau`` and the temperature are learned: nothing can memorise the training
rows' noise, which is what made learned embeddings fail on the held-out forms.

The ONNX graph (``onnx.helper``): Gather/Exp importances -> masked weighted sum of Gather'd
signs (int8 in the file) -> L2-normalise -> MatMul with the normalised, pre-scaled alias
matrix -> Softmax with ``unknown`` -> TopK(``TOP_K``) -> alias index to merchant label.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import onnx
import polars as pl
import torch
from onnx import TensorProto, helper
from torch import nn
from torch.nn import functional as F  # noqa: N812 - the torch idiom

from models.training.onnx_io import initialiser
from streams.core.featurise import BUCKETS, FEATURISER_VERSION, SEQ_LEN, featurise
from streams.core.model_steps import TOP_K

__all__ = ["AliasIndex", "RetrievalModel", "fit_merchant", "merchant_onnx"]

CONFIG = {"dim": 128, "epochs": 2, "lr": 1e-2, "imp_lr": 0.2, "batch": 1024}
IMP_ELSEWHERE = -2.0  # prior log-importance of ids no alias has
INIT_TAU, INIT_SCALE = 0.5, 20.0


@dataclass(frozen=True)
class AliasIndex:
    """Every alias as a bag of unique ids: ``counts`` [aliases, unique ids] (sparse)."""

    texts: list[str]
    label: np.ndarray  # [aliases] merchant label index (1..); 0 is unknown
    unique_ids: np.ndarray  # [U] int64
    counts: torch.Tensor  # sparse [aliases, U]

    @classmethod
    def build(cls, texts: list[str], label: list[int]) -> AliasIndex:
        tokens = featurise(pl.DataFrame({"description": texts}))["tokens"]
        rows, cols = np.nonzero(tokens)
        ids = tokens[rows, cols]
        unique_ids, inverse = np.unique(ids, return_inverse=True)
        index = torch.from_numpy(np.stack([rows, inverse]).astype(np.int64))
        values = torch.ones(len(ids), dtype=torch.float32)
        counts = torch.sparse_coo_tensor(index, values, (len(texts), len(unique_ids)))
        return cls(texts, np.asarray(label, dtype=np.int64), unique_ids, counts.coalesce())


class RetrievalModel(nn.Module):
    """Shared weighted-bag encoder for descriptions and aliases; cosine scores."""

    def __init__(self, aliases: AliasIndex, seed: int) -> None:
        super().__init__()
        dim = int(CONFIG["dim"])
        gen = torch.Generator().manual_seed(seed)
        signs = torch.randint(0, 2, (BUCKETS, dim), generator=gen, dtype=torch.int8) * 2 - 1
        signs[0] = 0  # padding
        self.register_buffer("signs", signs)
        self.imp = nn.Embedding(BUCKETS, 1, padding_idx=0, sparse=True)
        columns = aliases.counts.indices()[1].numpy()  # one entry per (alias, id) pair
        document_frequency = np.bincount(columns, minlength=len(aliases.unique_ids))
        idf = np.log(len(aliases.texts) / (1.0 + document_frequency))
        prior = np.full(BUCKETS, IMP_ELSEWHERE, dtype=np.float32)
        prior[aliases.unique_ids] = np.log(np.maximum(idf, 0.05))
        with torch.no_grad():
            self.imp.weight[:, 0] = torch.from_numpy(prior)
        self.tau = nn.Parameter(torch.tensor(INIT_TAU))
        self.log_scale = nn.Parameter(torch.tensor(float(np.log(INIT_SCALE))))
        self.alias_ids = torch.from_numpy(aliases.unique_ids)
        self.alias_counts = aliases.counts

    def alias_vectors(self) -> torch.Tensor:
        """[aliases, D] unit-length encodings."""
        ids = self.alias_ids
        weighted = self.signs[ids].float() * torch.exp(self.imp(ids))
        return F.normalize(torch.sparse.mm(self.alias_counts, weighted), dim=1)

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """[N, D] unit-length encodings of featurised descriptions."""
        weights = torch.exp(self.imp(tokens)[..., 0]) * (tokens > 0).float()
        return F.normalize((weights.unsqueeze(1) @ self.signs[tokens].float())[:, 0], dim=1)

    def logits(self, tokens: torch.Tensor, alias_vectors: torch.Tensor) -> torch.Tensor:
        """[N, 1 + aliases]: column 0 is unknown, the others scaled cosines."""
        cos = self.encode(tokens) @ alias_vectors.T
        return torch.exp(self.log_scale) * torch.cat([self.tau.expand(len(cos), 1), cos], 1)


def fit_merchant(
    tokens: np.ndarray, target: np.ndarray, aliases: AliasIndex, seed: int
) -> RetrievalModel:
    """Train on ``tokens`` [N, L] with merchant label indices ``target`` (0 = unknown)."""
    torch.manual_seed(seed)
    model = RetrievalModel(aliases, seed)
    opt_imp = torch.optim.Adagrad([model.imp.weight], lr=CONFIG["imp_lr"])
    opt_dense = torch.optim.Adam([model.tau, model.log_scale], lr=CONFIG["lr"])
    rates = ((opt_imp, CONFIG["imp_lr"]), (opt_dense, CONFIG["lr"]))
    column_label = torch.from_numpy(np.concatenate([[0], aliases.label]))
    compact = torch.from_numpy(-np.sort(-tokens, axis=1))  # real ids first: cut batches short
    lengths = torch.from_numpy((tokens > 0).sum(1))
    y = torch.from_numpy(target.astype(np.int64))
    gen = torch.Generator().manual_seed(seed)
    n, batch, epochs = len(y), int(CONFIG["batch"]), int(CONFIG["epochs"])
    steps, step = epochs * ((n + batch - 1) // batch), 0
    for epoch in range(epochs):
        order, total, started = torch.randperm(n, generator=gen), 0.0, time.perf_counter()
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            width = max(int(lengths[idx].max()), 1)
            for opt, rate in rates:  # linear decay, as fastText does
                for group in opt.param_groups:
                    group["lr"] = float(rate) * (1.0 - step / steps)
            logits = model.logits(compact[idx, :width], model.alias_vectors())
            positive = column_label.unsqueeze(0) == y[idx].unsqueeze(1)
            # -log of the summed probability of the row's merchant (all its aliases). One exp
            # for both sums: logits are bounded by the scale, so nothing underflows (a
            # masked -1e9 would send every element down the slow denormal path).
            shifted = torch.exp(logits - logits.max(1, keepdim=True).values.detach())
            loss = (
                torch.log(shifted.sum(1)) - torch.log((shifted * positive).sum(1) + 1e-30)
            ).mean()
            for opt, _ in rates:
                opt.zero_grad()
            loss.backward()
            for opt, _ in rates:
                opt.step()
            total += float(loss.detach()) * len(idx)
            step += 1
        print(
            f"  merchant epoch {epoch + 1}/{epochs} loss {total / n:.4f} "
            f"({time.perf_counter() - started:.0f}s) tau={float(model.tau):.3f} "
            f"scale={float(model.log_scale.exp()):.1f}",
            flush=True,
        )
    return model


def merchant_onnx(model: RetrievalModel, aliases: AliasIndex) -> onnx.ModelProto:
    """The inference graph: inputs ``tokens``/``mask``; outputs the top-k merchant label
    indices (``merchant_top_ids``) and their probabilities (``merchant_top_probs``)."""
    with torch.no_grad():
        alias_matrix = model.alias_vectors().numpy().astype(np.float32)  # [A, D], unit rows
        scale, tau = float(model.log_scale.exp()), float(model.tau)
    inits = [
        initialiser("signs", model.signs.numpy()),
        initialiser("imp", model.imp.weight.detach().numpy()[:, 0].astype(np.float32)),
        # [D, A], the temperature folded in; float16 halves the file (scores move < 1e-2)
        initialiser("alias_t", (alias_matrix.T * scale).astype(np.float16)),
        initialiser("unknown_logit", np.array([[tau * scale]], dtype=np.float32)),
        initialiser("column_label", np.concatenate([[0], aliases.label]).astype(np.int64)),
        initialiser("axis1", np.array([1], dtype=np.int64)),
        initialiser("eps", np.array(1e-6, dtype=np.float32)),
        initialiser("k", np.array([TOP_K], dtype=np.int64)),
        initialiser("batch_shape_tail", np.array([1], dtype=np.int64)),
        initialiser("zero_i", np.array([0], dtype=np.int64)),
    ]
    nodes = [
        helper.make_node("Gather", ["imp", "tokens"], ["imp_tok"]),  # [N, L]
        helper.make_node("Exp", ["imp_tok"], ["w_raw"]),
        helper.make_node("Mul", ["w_raw", "mask"], ["w"]),
        helper.make_node("Unsqueeze", ["w", "axis1"], ["w3"]),  # [N, 1, L]
        helper.make_node("Gather", ["signs", "tokens"], ["e8"]),  # [N, L, D] int8
        helper.make_node("Cast", ["e8"], ["e"], to=TensorProto.FLOAT),
        helper.make_node("MatMul", ["w3", "e"], ["q3"]),  # [N, 1, D]
        helper.make_node("Squeeze", ["q3", "axis1"], ["q"]),
        helper.make_node("Mul", ["q", "q"], ["q_sq"]),
        helper.make_node("ReduceSum", ["q_sq", "axis1"], ["q_norm_sq"], keepdims=1),
        helper.make_node("Sqrt", ["q_norm_sq"], ["q_norm"]),
        helper.make_node("Max", ["q_norm", "eps"], ["q_norm_safe"]),
        helper.make_node("Div", ["q", "q_norm_safe"], ["q_unit"]),
        helper.make_node("Cast", ["alias_t"], ["alias_t32"], to=TensorProto.FLOAT),
        helper.make_node("MatMul", ["q_unit", "alias_t32"], ["alias_logits"]),  # [N, A]
        helper.make_node("Shape", ["tokens"], ["tokens_shape"]),
        helper.make_node("Slice", ["tokens_shape", "zero_i", "axis1"], ["batch_dim"]),
        helper.make_node("Concat", ["batch_dim", "batch_shape_tail"], ["unknown_shape"], axis=0),
        helper.make_node("Expand", ["unknown_logit", "unknown_shape"], ["unknown_col"]),
        helper.make_node("Concat", ["unknown_col", "alias_logits"], ["logits"], axis=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
        helper.make_node("TopK", ["probs", "k"], ["merchant_top_probs", "top_cols"], axis=1),
        helper.make_node("Gather", ["column_label", "top_cols"], ["merchant_top_ids"]),
    ]
    inputs = [
        helper.make_tensor_value_info("tokens", TensorProto.INT64, ["N", SEQ_LEN]),
        helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["N", SEQ_LEN]),
    ]
    outputs = [
        helper.make_tensor_value_info("merchant_top_ids", TensorProto.INT64, ["N", TOP_K]),
        helper.make_tensor_value_info("merchant_top_probs", TensorProto.FLOAT, ["N", TOP_K]),
    ]
    graph = helper.make_graph(nodes, "merchant_retrieval", inputs, outputs, inits)
    proto = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17)],
        producer_name="txenrich-train",
        doc_string="merchant: top-k catalogue merchants (labels.txt; 0 = unknown)",
    )
    proto.ir_version = 8
    helper.set_model_props(proto, {"featuriser": FEATURISER_VERSION})
    onnx.checker.check_model(proto)
    return proto
