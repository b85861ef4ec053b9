"""A model as a graph of layer calls, read from Keras 3's public API.

Graders that compare ``model.layers`` by position break as soon as a student swaps the operands
of a merge or writes ``x + y`` instead of ``Add()``. This module reads the model's
``get_config()`` (which names, for every call of every layer, the tensors that feed it) and
builds an order-free graph:

- a *call* is one application of a layer or operation; a layer used twice has two calls;
- nested models are inlined, so a tower called twice contributes each inner layer twice, and a
  tower written as a nested model looks the same as the same layers shared one by one;
- parameters are counted once per layer object, whichever model it appears in.

Everything downstream (checks, reports) works on :class:`ModelGraph` only.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from autograder.errors import CheckFailure

Shape = tuple[int | None, ...]

# Layer classes that merge several tensors; operations such as ``x + y`` use the same names.
MERGE_CLASSES = frozenset(
    {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"}
)
_TENSOR = "__keras_tensor__"


@dataclass(frozen=True)
class TensorSpec:
    """A model input or output as the student declared it."""

    name: str
    shape: Shape
    dtype: str
    call: str  # id of the call that produces (output) or holds (input) the tensor


@dataclass
class LayerInfo:
    """One layer object (weights counted once), however many times it is called."""

    path: str
    class_name: str
    config: dict[str, Any]
    trainable_params: int = 0
    non_trainable_params: int = 0
    is_operation: bool = False
    calls: list[str] = field(default_factory=list)

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params


@dataclass
class Call:
    """One application of a layer or operation to tensors."""

    id: str
    layer: str  # path of the LayerInfo
    class_name: str
    inputs: list[str]  # ids of the calls whose outputs feed this one, in operand order
    shape: Shape | None = None  # shape of the (first) output


class ModelGraph:
    """The graph of layer calls of a Functional or Sequential model."""

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind
        self.inputs: list[TensorSpec] = []
        self.outputs: list[TensorSpec] = []
        self.layers: dict[str, LayerInfo] = {}
        self.calls: dict[str, Call] = {}
        self.submodels: dict[str, list[str]] = {}  # nested model path -> its call prefixes
        self._children: dict[str, list[str]] = {}
        self._ancestors: dict[str, frozenset[str]] = {}
        self._order: list[str] = []
        self._position: dict[str, int] = {}

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_model(cls, model: Any) -> ModelGraph:
        """Read a built Keras model; raise CheckFailure for models that have no graph."""
        kind = model_kind(model)
        if kind == "subclassed":
            raise CheckFailure(
                "Model kind",
                "a Functional (or Sequential) model",
                f"a subclassed model ({type(model).__name__})",
                "build the model with keras.Input(...) and keras.Model(inputs, outputs) so its "
                "graph can be inspected",
            )
        if not getattr(model, "built", False) or not model.inputs:
            raise CheckFailure(
                "Model built",
                "a model that knows its input shape",
                "a model that was never built",
                "start the model with keras.Input(shape=...) so Keras can build it",
            )
        graph = cls(model.name, kind)
        _Reader(graph).read_top(model)
        graph._finish()
        return graph

    def _finish(self) -> None:
        self._children = {cid: [] for cid in self.calls}
        for call in self.calls.values():
            for parent in call.inputs:
                self._children[parent].append(call.id)
        self._order = _topological_order(self.calls, self._children)
        self._position = {cid: i for i, cid in enumerate(self._order)}
        for cid in self._order:
            acc: set[str] = set()
            for parent in self.calls[cid].inputs:
                acc.add(parent)
                acc |= self._ancestors[parent]
            self._ancestors[cid] = frozenset(acc)

    # -- queries ------------------------------------------------------------------------------

    def order(self) -> list[str]:
        """Call ids in topological order (inputs first)."""
        return list(self._order)

    def parents(self, cid: str) -> list[str]:
        return list(self.calls[cid].inputs)

    def children(self, cid: str) -> list[str]:
        return list(self._children[cid])

    def ancestors(self, cid: str) -> frozenset[str]:
        """Every call upstream of ``cid`` (not ``cid`` itself)."""
        return self._ancestors[cid]

    def descendants(self, cid: str) -> set[str]:
        found: set[str] = set()
        stack = list(self._children[cid])
        while stack:
            nxt = stack.pop()
            if nxt not in found:
                found.add(nxt)
                stack.extend(self._children[nxt])
        return found

    def closure(self, cid: str) -> frozenset[str]:
        """A call and everything upstream of it."""
        return self._ancestors[cid] | {cid}

    def position(self, cid: str) -> int:
        """Where the call comes in topological order: later calls never feed earlier ones."""
        return self._position[cid]

    def in_order(self, cids: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(cids, key=self._position.__getitem__))

    def fork(self, a: str, b: str) -> str | None:
        """The last call both ``a`` and ``b`` depend on (where their branches part), if any."""
        common = self.closure(a) & self.closure(b)
        return max(common, key=self._position.__getitem__) if common else None

    def between(self, start: str, end: str) -> tuple[str, ...]:
        """The calls strictly after ``start`` on the way to ``end`` (``end`` included), in order."""
        return self.in_order(c for c in self.closure(end) if start in self._ancestors[c])

    def edges_among(self, cids: Iterable[str]) -> tuple[tuple[str, str], ...]:
        """The connections (parent, child) whose two ends are both in ``cids``."""
        chosen = set(cids)
        return tuple(
            (parent, child)
            for child in self.in_order(chosen)
            for parent in self.calls[child].inputs
            if parent in chosen
        )

    def edges_into(self, cid: str) -> tuple[tuple[str, str], ...]:
        return tuple((parent, cid) for parent in self.calls[cid].inputs)

    def reaches_output(self, cid: str) -> bool:
        reached = self.descendants(cid) | {cid}
        return any(out.call in reached for out in self.outputs)

    def weighted(self, cid: str) -> bool:
        """The call applies a layer that has weights."""
        return self.layer_of(cid).params > 0

    def layer_of(self, cid: str) -> LayerInfo:
        return self.layers[self.calls[cid].layer]

    def calls_of_class(self, *class_names: str) -> list[Call]:
        return [self.calls[c] for c in self._order if self.calls[c].class_name in class_names]

    def merges(self) -> list[Call]:
        """Calls that combine two or more tensors (layers or operations)."""
        return [c for c in self.calls_of_class(*MERGE_CLASSES) if len(c.inputs) >= 2]

    def weighted_layers(self) -> list[LayerInfo]:
        return [info for info in self.layers.values() if info.params > 0]

    def shared_layers(self) -> list[LayerInfo]:
        """Layers (with weights) applied more than once."""
        return [info for info in self.weighted_layers() if len(info.calls) > 1]

    def copied_layers(self) -> list[list[str]]:
        """Groups of layers with weights, each called once, with the same class, settings and
        size: what a student gets by writing ``layers.Dense(64)`` twice where one layer should
        be shared."""
        groups: dict[tuple, list[str]] = {}
        for info in self.weighted_layers():
            if len(info.calls) == 1:
                settings = {k: v for k, v in info.config.items() if k != "name"}
                key = (info.class_name, info.params, repr(sorted(settings.items())))
                groups.setdefault(key, []).append(info.path)
        return [paths for paths in groups.values() if len(paths) > 1]

    def input_named(self, name: str) -> TensorSpec | None:
        return next((t for t in self.inputs if t.name == name), None)

    def output_named(self, name: str) -> TensorSpec | None:
        return next((t for t in self.outputs if t.name == name), None)

    @property
    def trainable_params(self) -> int:
        return sum(info.trainable_params for info in self.layers.values())

    @property
    def non_trainable_params(self) -> int:
        return sum(info.non_trainable_params for info in self.layers.values())

    @property
    def total_params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    def describe(self, cid: str) -> str:
        """A call as a student recognises it: class and shape, never an automatic name."""
        call = self.calls[cid]
        return f"{call.class_name} {format_shape(call.shape)}"


# -- reading a model ------------------------------------------------------------------------------


def model_kind(model: Any) -> str:
    """'Sequential', 'Functional' or 'subclassed', from public classes and the config."""
    import keras

    if isinstance(model, keras.Sequential):
        return "Sequential"
    if not isinstance(model, keras.Model):
        return "not a model"
    try:
        config = model.get_config()
    except Exception:  # subclassed models often cannot serialise themselves
        return "subclassed"
    return "Functional" if isinstance(config, dict) and "input_layers" in config else "subclassed"


class _Reader:
    """Walks nested configs and live layer objects together, filling a ModelGraph."""

    def __init__(self, graph: ModelGraph) -> None:
        self.graph = graph
        self.owner_of: dict[int, str] = {}  # id(layer object) -> LayerInfo path (dedupe)

    def read_top(self, model: Any) -> None:
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, 20000))
        try:
            if self.graph.kind == "Sequential":
                bindings = [self._add_input(model.inputs[0], "")]
                outs = self._read_sequential(model, "", "", bindings)
                self.graph.inputs = [self._input_spec(model.inputs[0], bindings[0])]
            else:
                outs = self._read_functional(model, "", "", None)
            self._record_outputs(model, outs)
        finally:
            sys.setrecursionlimit(old_limit)

    # Inputs and outputs -------------------------------------------------------------------

    def _add_input(self, tensor: Any, prefix: str) -> str:
        name = _tensor_name(tensor)
        cid = prefix + name
        self.graph.layers[cid] = LayerInfo(cid, "InputLayer", {}, calls=[cid])
        self.graph.calls[cid] = Call(cid, cid, "InputLayer", [], _shape(tensor.shape))
        return cid

    @staticmethod
    def _input_spec(tensor: Any, cid: str) -> TensorSpec:
        return TensorSpec(cid, _shape(tensor.shape), _dtype(tensor), cid)

    def _record_outputs(self, model: Any, outs: list[str]) -> None:
        """Pair each output call with its public name; dict outputs are keyed, lists are not."""
        config = model.get_config() if self.graph.kind == "Functional" else {}
        spec = config.get("output_layers")
        by_history = {_history(t): t for t in model.outputs}
        # A nested Functional output is numbered differently here (see _output_ref).
        by_history |= {(h[0], h[2]): t for h, t in list(by_history.items()) if h}
        if isinstance(spec, dict):
            named = list(zip(spec, _refs(spec), strict=False))
        elif spec:
            named = [(ref[0], ref) for ref in _refs(spec)]
        else:  # Sequential: the last layer names the output
            named = [(self.graph.calls[cid].layer.rsplit("/", 1)[-1], None) for cid in outs]
        for (name, ref), cid in zip(named, outs, strict=False):
            tensor = model.outputs[0]
            if ref:
                tensor = by_history.get(tuple(ref), by_history.get((ref[0], ref[2])))
            shape = _shape(tensor.shape) if tensor is not None else self.graph.calls[cid].shape
            if self.graph.calls[cid].shape is None:
                self.graph.calls[cid].shape = shape
            dtype = _dtype(tensor) if tensor is not None else "float32"
            self.graph.outputs.append(TensorSpec(name, shape, dtype, cid))

    # Layers -------------------------------------------------------------------------------

    def _layer_info(self, layer: Any, entry: dict, path: str) -> LayerInfo:
        known = self.owner_of.get(id(layer))
        if known is not None:
            return self.graph.layers[known]
        is_op = str(entry.get("module", "")).startswith("keras.src.ops")
        info = LayerInfo(
            path, entry["class_name"], dict(entry.get("config") or {}), is_operation=is_op
        )
        if not is_op:
            info.trainable_params = _count(getattr(layer, "trainable_weights", []))
            info.non_trainable_params = _count(getattr(layer, "non_trainable_weights", []))
        self.owner_of[id(layer)] = path
        self.graph.layers[path] = info
        return info

    def _new_call(self, info: LayerInfo, cid: str, inputs: list[str], shape: Shape | None) -> str:
        self.graph.calls[cid] = Call(cid, info.path, info.class_name, inputs, shape)
        info.calls.append(cid)
        return cid

    # Sequential ---------------------------------------------------------------------------

    def _read_sequential(
        self, model: Any, path: str, prefix: str, bindings: list[str]
    ) -> list[str]:
        entries = model.get_config()["layers"]
        live = [layer for layer in model.layers]
        entries = [e for e in entries if e["class_name"] != "InputLayer"]
        current = bindings[0]
        shape = self.graph.calls[current].shape
        for entry, layer in zip(entries, live, strict=False):
            name = layer.name
            if _is_model(layer):
                current = self._read_nested(
                    layer, path + name + "/", prefix + name + "/", [current]
                )[0]
                shape = self.graph.calls[current].shape
                continue
            info = self._layer_info(layer, entry, path + name)
            shape = _infer_shape(layer, shape)
            current = self._new_call(info, prefix + name, [current], shape)
        return [current]

    # Functional ---------------------------------------------------------------------------

    def _read_functional(
        self, model: Any, path: str, prefix: str, bindings: list[str] | None
    ) -> list[str]:
        config = model.get_config()
        entries = {e["name"]: e for e in config["layers"]}
        spec = config["input_layers"]
        keys = list(spec) if isinstance(spec, dict) else [ref[0] for ref in _refs(spec)]
        tensors = {_tensor_name(t): t for t in model.inputs}
        bound: dict[str, str] = {}
        for i, (key, ref) in enumerate(zip(keys, _refs(spec), strict=True)):
            if bindings is None:
                tensor = tensors[ref[0]]
                cid = self._add_input(tensor, prefix)
                self.graph.inputs.append(TensorSpec(key, _shape(tensor.shape), _dtype(tensor), cid))
                bound[ref[0]] = cid
            else:
                bound[ref[0]] = bindings[min(i, len(bindings) - 1)]
        scope = _Scope(self, model, path, prefix, entries, bound)
        return [scope.resolve(_output_ref(ref, entries)) for ref in _refs(config["output_layers"])]

    def _read_nested(self, layer: Any, path: str, prefix: str, bindings: list[str]) -> list[str]:
        self.graph.submodels.setdefault(path.rstrip("/"), []).append(prefix)
        if model_kind(layer) == "Sequential":
            return self._read_sequential(layer, path, prefix, bindings)
        return self._read_functional(layer, path, prefix, bindings)


class _Scope:
    """Resolves tensor references ``(layer name, node index, tensor index)`` inside one model."""

    def __init__(
        self, reader: _Reader, model: Any, path: str, prefix: str, entries: dict, bound: dict
    ) -> None:
        self.reader = reader
        self.model = model
        self.path = path
        self.prefix = prefix
        self.entries = entries
        self.bound = bound
        self.done: dict[tuple[str, int], list[str]] = {}
        self.objects = {op.name: op for op in model.operations}

    def resolve(self, ref: tuple) -> str:
        name, node, tensor = ref[0], int(ref[1]), int(ref[2])
        if name in self.bound:
            return self.bound[name]
        if (name, node) not in self.done:
            self.done[(name, node)] = self._expand(name, node)
        outs = self.done[(name, node)]
        return outs[min(tensor, len(outs) - 1)]

    def _expand(self, name: str, node: int) -> list[str]:
        entry = self.entries[name]
        node_config = entry["inbound_nodes"][node]
        inputs = [self._resolve_tensor(t) for t in _tensors(node_config)]
        layer = self.objects[name]
        suffix = f"#{node}" if node else ""
        if _is_model(layer):
            return self.reader._read_nested(
                layer, f"{self.path}{name}/", f"{self.prefix}{name}{suffix}/", inputs
            )
        info = self.reader._layer_info(layer, entry, self.path + name)
        cid = f"{self.prefix}{name}{suffix}"
        return [self.reader._new_call(info, cid, inputs, None)]

    def _resolve_tensor(self, tensor: dict) -> str:
        history = tensor["config"]["keras_history"]
        cid = self.resolve(tuple(history))
        shape = tensor["config"].get("shape")
        call = self.reader.graph.calls[cid]
        if call.shape is None and shape is not None and int(history[2]) == 0:
            call.shape = _shape(shape)
        return cid


# -- small helpers --------------------------------------------------------------------------------


def _refs(spec: Any) -> list[list]:
    """input_layers / output_layers come as a dict, a list of refs, or one bare ref."""
    if isinstance(spec, dict):
        return [list(v) for v in spec.values()]
    if spec and isinstance(spec[0], str):
        return [list(spec)]
    return [list(v) for v in spec]


def _output_ref(ref: list, entries: dict) -> tuple:
    """Keras numbers a nested Functional model's nodes one higher in ``output_layers`` than in
    ``inbound_nodes`` (its own construction counts as node 0 there); undo that."""
    name, node, tensor = ref[0], int(ref[1]), int(ref[2])
    if entries.get(name, {}).get("class_name") == "Functional" and node > 0:
        node -= 1
    return (name, node, tensor)


def _tensors(node: Any) -> Iterator[dict]:
    """Every serialized tensor in a node's args/kwargs, in operand order."""
    if isinstance(node, dict):
        if node.get("class_name") == _TENSOR:
            yield node
            return
        for key in ("args", "kwargs"):
            if key in node:
                yield from _tensors(node[key])
        if "args" not in node and "kwargs" not in node:
            for value in node.values():
                yield from _tensors(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _tensors(item)


def _is_model(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def _tensor_name(tensor: Any) -> str:
    history = getattr(tensor, "_keras_history", None)
    if history is not None:
        return history[0].name
    return str(getattr(tensor, "name", "input"))


def _history(tensor: Any) -> tuple:
    """(producing layer name, node index, tensor index), as output_layers names a tensor."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return ()
    return (history[0].name, int(history[1]), int(history[2]))


def _shape(shape: Iterable | None) -> Shape | None:
    if shape is None:
        return None
    return tuple(None if d is None else int(d) for d in shape)


def _dtype(tensor: Any) -> str:
    dtype = getattr(tensor, "dtype", "float32")
    return str(getattr(dtype, "name", dtype))


def _count(weights: Iterable) -> int:
    return sum(math.prod(int(d) for d in w.shape) for w in weights)


def _infer_shape(layer: Any, previous: Shape | None) -> Shape | None:
    try:
        return _shape(layer.compute_output_shape(previous))
    except Exception:
        try:
            return _shape(layer.output.shape)
        except Exception:
            return None


def _topological_order(calls: dict[str, Call], children: dict[str, list[str]]) -> list[str]:
    pending = {cid: len(call.inputs) for cid, call in calls.items()}
    ready = [cid for cid, n in pending.items() if n == 0]
    order: list[str] = []
    while ready:
        cid = ready.pop(0)
        order.append(cid)
        for child in children[cid]:
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    return order


def format_shape(shape: Shape | None) -> str:
    if shape is None:
        return "(?)"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def as_graph(model_or_graph: Any) -> ModelGraph:
    """Checks accept a live model or a graph already read (reading once saves time)."""
    if isinstance(model_or_graph, ModelGraph):
        return model_or_graph
    return ModelGraph.from_model(model_or_graph)
