"""Content checks: which layers a model uses, compared without regard to order or names.

Keras lists ``model.layers`` by depth with ties broken by merge operand order, and names layers
from session counters, so neither positions nor names can be graded. Instead a model is reduced
to a multiset of :class:`LayerSignature` (class, output shape, parameters, settings) and
compared with a reference model's multiset; the differences are reported as "missing" and
"unexpected" layers, or as a setting that differs on a layer that is otherwise right.

Forms that build the same computation compare equal:

- ``x + y`` (an ``Add`` operation) and ``layers.Add()([x, y])``, in either operand order;
- ``Conv2D(activation="relu")`` and ``Conv2D`` followed by ``ReLU()`` / ``Activation("relu")``
  (with ``fold_activations=True``); ``ReLU()``, ``Activation("relu")`` and ``ops.relu`` always;
- a tower written as a nested model and the same layers shared one by one.

A layer with weights is one signature however often it is called, carrying its call count, so
a layer shared by two calls differs from two copies (which double the weights). Layers without
weights count once per call: reusing one ``MaxPooling2D`` object changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from autograder.checks.activations import (
    activation_name,
    effective_activation,
    standalone_activation,
)
from autograder.checks.interface import graph_of
from autograder.errors import CheckFailure
from autograder.graph import MERGE_CLASSES, ModelGraph, Shape, format_shape

# Config keys that say how a layer is set up, beyond what its shape and size already show.
SETTING_KEYS = (
    "units",
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "dilation_rate",
    "depth_multiplier",
    "use_bias",
    "rate",
    "pool_size",
    "size",
    "interpolation",
    "axis",
    "axes",
    "normalize",
    "input_dim",
    "output_dim",
    "return_sequences",
    "negative_slope",
    "max_value",
)
# Layers whose ``activation`` is applied to their output, so it can stand on its own after them
# (a recurrent layer's activation works inside the cell and cannot).
OUTPUT_ACTIVATION_CLASSES = frozenset(
    {
        "Dense",
        "EinsumDense",
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "SeparableConv1D",
        "SeparableConv2D",
        "DepthwiseConv1D",
        "DepthwiseConv2D",
    }
)
_SPATIAL_KEYS = frozenset({"kernel_size", "strides", "pool_size", "dilation_rate", "size"})
_MAX_LISTED = 8


@dataclass(frozen=True)
class LayerSignature:
    """What a layer is, without its name or position: the unit of the order-free comparison."""

    class_name: str
    shapes: tuple[Shape | None, ...]  # output shape of each call, in a canonical order
    params: int
    settings: tuple[tuple[str, str], ...] = ()  # (key, value as text), sorted by key

    @property
    def calls(self) -> int:
        return len(self.shapes)

    def setting(self, key: str) -> str | None:
        return dict(self.settings).get(key)

    def describe(self) -> str:
        """E.g. ``Conv2D (None, 14, 14, 32), 9,248 params, shared by 2 calls``."""
        name = self.class_name
        if name == "Activation" and self.setting("activation"):
            name = f"Activation {self.setting('activation')}"
        distinct = sorted({format_shape(s) for s in self.shapes})
        text = f"{name} {' / '.join(distinct)}"
        if self.params:
            text += f", {self.params:,} params"
        if self.calls > 1:
            text += f", shared by {self.calls} calls"
        return text


def layer_signatures(
    model_or_graph: Any, *, settings: bool = True, fold_activations: bool = True
) -> Counter[LayerSignature]:
    """The model's layers as a multiset of signatures (input layers left out).

    ``settings=False`` keeps only class, shapes, parameters and call counts.
    ``fold_activations=True`` merges a standalone activation into the layer before it when
    that is the same computation (see :func:`_foldable`).
    """
    mode = "folded" if fold_activations else "as written"
    return _signatures(graph_of(model_or_graph), mode, with_settings=settings)


def _signatures(graph: ModelGraph, mode: str, *, with_settings: bool) -> Counter[LayerSignature]:
    """Signatures with activations "as written", "folded" into the layer before, or
    "unfolded" (every built-in activation split off as an Activation of its own)."""
    folded = _folded_activations(graph) if mode == "folded" else {}
    units: dict[str, list[str]] = {}
    for cid in graph.order():
        if graph.calls[cid].class_name == "InputLayer" or cid in folded.values():
            continue
        layer = graph.layer_of(cid)
        units.setdefault(layer.path if layer.params else cid, []).append(cid)
    signatures: Counter[LayerSignature] = Counter()
    for cids in units.values():
        signature = _signature(graph, cids, folded)
        signatures.update(_unfold(signature) if mode == "unfolded" else [signature])
    if not with_settings:
        signatures = Counter(replace(sig, settings=()) for sig in signatures.elements())
    return signatures


def _unfold(sig: LayerSignature) -> list[LayerSignature]:
    """Dense(activation="relu") as Dense(activation="linear") followed by Activation relu."""
    activation = sig.setting("activation")
    if sig.class_name not in OUTPUT_ACTIVATION_CLASSES or activation in (None, "linear"):
        return [sig]
    settings = dict(sig.settings, activation="linear")
    linear = replace(sig, settings=tuple(sorted(settings.items())))
    return [linear] + [
        LayerSignature("Activation", (shape,), 0, (("activation", activation),))
        for shape in sig.shapes
    ]


def _folded_activations(graph: ModelGraph) -> dict[str, str]:
    """Map each call that absorbs a standalone activation to that activation's call."""
    output_calls = {spec.call for spec in graph.outputs}
    folded = {}
    for cid in graph.order():
        parents = graph.parents(cid)
        if len(parents) == 1 and _foldable(graph, parents[0], cid, output_calls):
            folded[parents[0]] = cid
    return folded


def _foldable(graph: ModelGraph, parent: str, cid: str, output_calls: set[str]) -> bool:
    """Layer(activation=None) -> Activation(a) equals Layer(activation=a) only if nothing
    else sees the layer's output before the activation, and ``a`` is a plain named one
    without weights of its own (a PReLU's slopes must stay counted)."""
    name = standalone_activation(graph, cid)
    if name is None or "(" in name or graph.layer_of(cid).params:
        return False
    return (
        graph.calls[parent].class_name in OUTPUT_ACTIVATION_CLASSES
        and effective_activation(graph, parent) == "linear"
        and graph.children(parent) == [cid]
        and parent not in output_calls
    )


def _signature(graph: ModelGraph, cids: list[str], folded: Mapping[str, str]) -> LayerSignature:
    first = graph.calls[cids[0]]
    layer = graph.layer_of(cids[0])
    standalone = standalone_activation(graph, cids[0])
    shapes = tuple(sorted((graph.calls[c].shape for c in cids), key=format_shape))
    if standalone is not None:
        return LayerSignature("Activation", shapes, layer.params, (("activation", standalone),))
    settings = _config_settings(layer.config, first.shape)
    activation = _activation_setting(graph, cids, folded)
    if activation is not None:
        settings["activation"] = activation
    return LayerSignature(first.class_name, shapes, layer.params, tuple(sorted(settings.items())))


def _activation_setting(
    graph: ModelGraph, cids: list[str], folded: Mapping[str, str]
) -> str | None:
    """The activation each call ends in, folded ones included; None for layers without one."""
    found = set()
    for cid in cids:
        if cid in folded:
            found.add(standalone_activation(graph, folded[cid]))
        elif "activation" in graph.layer_of(cid).config or standalone_activation(graph, cid):
            found.add(effective_activation(graph, cid))
    return "/".join(sorted(a for a in found if a)) or None


def _config_settings(config: Mapping[str, Any], shape: Shape | None) -> dict[str, str]:
    return {
        key: _setting_text(key, config[key], shape)
        for key in SETTING_KEYS
        if key in config and config[key] is not None
    }


def _setting_text(key: str, value: Any, shape: Shape | None) -> str:
    """Settings as text a student reads: 3x3 kernels, axis counted from the front."""
    if key == "axis" and shape is not None:
        value = _positive_axis(value, len(shape))
    if isinstance(value, (list, tuple)):
        if key in _SPATIAL_KEYS:
            return "x".join(str(v) for v in value)
        return "(" + ", ".join(str(v) for v in value) + ")"
    return str(value)


def _positive_axis(value: Any, rank: int) -> Any:
    if isinstance(value, int):
        return value % rank if rank else value
    if isinstance(value, (list, tuple)):
        return type(value)(_positive_axis(v, rank) for v in value)
    return value


# -- comparing with a reference -------------------------------------------------------------------


@dataclass
class _Differences:
    """What separates two multisets, with near misses paired up so they read as one fix."""

    missing: Counter[LayerSignature]
    unexpected: Counter[LayerSignature]
    sharing: list[str]
    settings: list[str]
    settings_differ: bool = False  # some pair differs in a setting, not only in size or shape

    @property
    def size(self) -> int:
        """How many layers the differences involve."""
        unpaired = sum(self.missing.values()) + sum(self.unexpected.values())
        return len(self.sharing) + len(self.settings) + unpaired

    def lines(self) -> list[str]:
        lines = self.sharing + self.settings
        lines += [f"missing {n} {sig.describe()}" for sig, n in _ordered(self.missing)]
        lines += [f"unexpected {n} {sig.describe()}" for sig, n in _ordered(self.unexpected)]
        if len(lines) > _MAX_LISTED:
            lines = lines[:_MAX_LISTED] + [f"and {len(lines) - _MAX_LISTED} more differences"]
        return lines


def compare_to_reference(
    model_or_graph: Any,
    reference_model_or_graph: Any,
    *,
    settings: bool = True,
    fold_activations: bool = True,
) -> None:
    """Check that the model uses the same layers as the reference, in any order.

    Compares class, output shape, parameters, call count and (with ``settings=True``) the
    settings in :data:`SETTING_KEYS` and the activation. With ``fold_activations=True`` the
    models match if they agree with standalone activations folded into the layer before, or
    with every built-in activation split off (the second form also matches when a fold was
    impossible on one side, e.g. a relu after a residual Add). Raises CheckFailure listing
    what is missing, what is unexpected and which settings differ.
    """
    student, reference = graph_of(model_or_graph), graph_of(reference_model_or_graph)
    modes = ("folded", "unfolded") if fold_activations else ("as written",)
    reports = []
    for mode in modes:
        found = _signatures(student, mode, with_settings=settings)
        wanted = _signatures(reference, mode, with_settings=settings)
        if found == wanted:
            return
        reports.append((wanted, _differences(wanted, found)))
    wanted, diff = min(reports, key=lambda report: report[1].size)  # the shorter story
    raise CheckFailure(
        "Layers compared with the reference (in any order)",
        _summary(wanted),
        "; ".join(diff.lines()),
        _comparison_hint(diff, fold_activations),
    )


def _differences(wanted: Counter[LayerSignature], found: Counter[LayerSignature]) -> _Differences:
    diff = _Differences(wanted - found, found - wanted, [], [])
    _pair_sharing(diff)
    _pair_settings(diff)
    return diff


def _pair_sharing(diff: _Differences) -> None:
    """A layer shared by k calls on one side and k one-call copies on the other."""
    for shared_side, copy_side, template in (
        (
            diff.missing,
            diff.unexpected,
            "expected one {d}, shared by {k} calls, found {k} separate copies",
        ),
        (
            diff.unexpected,
            diff.missing,
            "expected {k} separate copies of {d}, found one layer shared by {k} calls",
        ),
    ):
        for sig in [s for s in list(shared_side) if s.calls > 1 and len(set(s.shapes)) == 1]:
            single = LayerSignature(sig.class_name, sig.shapes[:1], sig.params, sig.settings)
            while shared_side[sig] > 0 and copy_side[single] >= sig.calls:
                desc = f"{sig.class_name} layer {_shapes(sig)}, {sig.params:,} params"
                diff.sharing.append(template.format(d=desc, k=sig.calls))
                shared_side[sig] -= 1
                copy_side[single] -= sig.calls
        _drop_zeros(shared_side)
        _drop_zeros(copy_side)


def _pair_settings(diff: _Differences) -> None:
    """Pair each missing layer with the unexpected one of its class that differs least, so a
    wrong setting reads as one fix rather than as a missing and an unexpected layer.

    Layers with the same output shape are paired first: when a layer is left out, the next
    one has the same shape but fewer inputs, and pairing the left-out layer with it would blame
    the wrong one.
    """
    for same_shape in (True, False):
        for want in _expand(diff.missing):
            _pair_one(diff, want, same_shape)


def _pair_one(diff: _Differences, want: LayerSignature, same_shape: bool) -> None:
    if diff.missing[want] <= 0:
        return
    candidates = [
        s
        for s in diff.unexpected
        if s.class_name == want.class_name and (s.shapes == want.shapes or not same_shape)
    ]
    match = _closest(want, candidates)
    if match is None:
        return
    diff.settings.append(_setting_difference(want, match))
    diff.settings_differ |= want.settings != match.settings
    diff.missing[want] -= 1
    diff.unexpected[match] -= 1
    _drop_zeros(diff.missing)
    _drop_zeros(diff.unexpected)


def _closest(want: LayerSignature, candidates: list[LayerSignature]) -> LayerSignature | None:
    """The candidate that differs least from ``want``; None if two tie (no guessing)."""
    candidates = [c for c in candidates if c.calls == want.calls]
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: _distance(want, c))
    if len(ranked) > 1 and _distance(want, ranked[0]) == _distance(want, ranked[1]):
        return None
    return ranked[0]


def _distance(a: LayerSignature, b: LayerSignature) -> tuple[int, bool, bool, bool]:
    """Differing settings first, then size, then channels, then the whole shape."""
    left, right = dict(a.settings), dict(b.settings)
    differing = sum(left.get(key) != right.get(key) for key in set(left) | set(right))
    return (differing, a.params != b.params, _channels(a) != _channels(b), a.shapes != b.shapes)


def _channels(sig: LayerSignature) -> int | None:
    shape = sig.shapes[0] if sig.shapes else None
    return shape[-1] if shape else None


def _setting_difference(want: LayerSignature, got: LayerSignature) -> str:
    wanted, found = dict(want.settings), dict(got.settings)
    parts = [
        f"{key} {wanted.get(key, 'unset')} expected, found {found.get(key, 'unset')}"
        for key in sorted(set(wanted) | set(found))
        if wanted.get(key) != found.get(key)
    ]
    if want.shapes != got.shapes:
        parts.append(f"output shape {_shapes(want)} expected, found {_shapes(got)}")
    if want.params != got.params:
        parts.append(f"{want.params:,} params expected, found {got.params:,}")
    return f"{want.class_name} {_shapes(want)}: " + ", ".join(parts)


def _shapes(sig: LayerSignature) -> str:
    return " / ".join(sorted({format_shape(s) for s in sig.shapes}))


def _summary(wanted: Counter[LayerSignature]) -> str:
    per_class: Counter[str] = Counter()
    for sig, n in wanted.items():
        per_class[sig.class_name] += n
    total = sum(sig.params for sig in wanted.elements())
    classes = ", ".join(f"{n} {name}" for name, n in sorted(per_class.items()))
    return f"the reference's layers: {classes} ({total:,} params)"


def _comparison_hint(diff: _Differences, fold_activations: bool) -> str:
    hints = []
    listed = " ".join(diff.lines())
    if diff.sharing:
        hints.append(
            "calling one layer object on several tensors shares its weights; creating a second "
            "layer with the same settings copies them and doubles the parameters"
        )
    if diff.settings_differ:
        hints.append("compare the settings named above with the task")
    if _fewer_merges(diff):
        hints.append(
            "a merge is missing: every skip connection or parallel branch the task asks for "
            "must be joined back with Add or Concatenate (x + y counts as Add)"
        )
    if diff.missing or diff.unexpected:
        hints.append(
            "order and names do not matter, only which layers you use with which output shapes "
            "and sizes"
        )
    if "output shape" in listed or diff.missing or diff.unexpected:
        hints.append("a wrong stride, padding or pooling early on changes every shape after it")
    if "activation" in listed.lower():
        layer = _activation_class(diff)
        hints.append(
            f'{layer}(activation="relu") and {layer} followed by ReLU() count as the same'
            if fold_activations
            else f'this task tells {layer}(activation="relu") from {layer} followed by ReLU(): '
            "write the activation the way the task shows"
        )
    return "; ".join(hints)


def _fewer_merges(diff: _Differences) -> bool:
    """More merges of some class missing than unexpected: one was left out, not reshaped."""
    balance: Counter[str] = Counter()
    for side, sign in ((diff.missing, 1), (diff.unexpected, -1)):
        for sig, n in side.items():
            if sig.class_name in MERGE_CLASSES:
                balance[sig.class_name] += sign * n
    return any(n > 0 for n in balance.values())


def _activation_class(diff: _Differences) -> str:
    """The class of a layer whose activation differs, to name in the hint."""
    for line in diff.settings:
        if "activation" in line:
            return line.split()[0]
    for sig in [*diff.missing, *diff.unexpected]:
        if sig.setting("activation") is not None:
            return sig.class_name
    return "Dense"


# -- settings a task asks for ---------------------------------------------------------------------


_ASK_PHRASES = {
    "kernel_size": "{} kernels",
    "pool_size": "{} pooling windows",
    "strides": "strides of {}",
    "padding": '"{}" padding',
    "filters": "{} filters",
    "units": "{} units",
    "activation": "{} activation",
    "rate": "a rate of {}",
}


def check_layer_settings(
    model_or_graph: Any, class_name: str, *, fold_activations: bool = True, **expected: Any
) -> int:
    """Check that every call of ``class_name`` has the given settings, e.g. kernel_size=3.

    ``kernel_size=3`` matches ``(3, 3)``; ``activation`` is the effective one, so with
    ``fold_activations=True`` a Conv2D followed by ReLU has activation "relu". Returns the
    number of calls checked.
    """
    graph = graph_of(model_or_graph)
    calls = [c.id for c in graph.calls_of_class(class_name)]
    sample = graph.layer_of(calls[0]).config if calls else {}
    wanted = {
        key: _setting_text(key, _like(value, sample.get(key)), None)
        for key, value in expected.items()
    }
    asked = ", ".join(f"{key}={text}" for key, text in wanted.items())
    if not calls:
        raise CheckFailure(
            f"{class_name} layers",
            f"at least one {class_name} layer with {asked}",
            f"no {class_name} layer",
            f"the task asks for {class_name} layers; add them where the task says",
        )
    folded = _folded_activations(graph) if fold_activations else {}
    wrong = [
        (cid, key, text) for cid in calls for key, text in _mismatches(graph, cid, expected, folded)
    ]
    if not wrong:
        return len(calls)
    bad_calls = list(dict.fromkeys(cid for cid, _, _ in wrong))
    found = f"{len(bad_calls)} of {len(calls)} {class_name} calls differ: " + "; ".join(
        f"{graph.describe(cid)} has {key}={text}" for cid, key, text in wrong[:_MAX_LISTED]
    )
    raise CheckFailure(
        f"{class_name} settings",
        f"every {class_name} with {asked}",
        found,
        _settings_hint(class_name, expected, wanted, wrong),
    )


def _mismatches(
    graph: ModelGraph, cid: str, expected: Mapping[str, Any], folded: Mapping[str, str]
) -> Iterable[tuple[str, str]]:
    """The settings of one call that differ from the task's, as (key, value found)."""
    config = graph.layer_of(cid).config
    shape = graph.calls[cid].shape
    for key, value in expected.items():
        if key == "activation":
            wanted = activation_name(value)
            actual = _activation_setting(graph, [cid], folded) or "linear"
        else:
            wanted = _setting_text(key, _like(value, config.get(key)), shape)
            actual = _setting_text(key, config.get(key), shape)
        if wanted != actual:
            yield key, actual


def _like(value: Any, template: Any) -> Any:
    """``kernel_size=3`` means ``(3, 3)`` on a Conv2D and ``(3,)`` on a Conv1D."""
    if isinstance(value, int) and not isinstance(value, bool):
        if isinstance(template, (list, tuple)):
            return tuple([value] * len(template))
    if isinstance(value, list):
        return tuple(value)
    return value


def _settings_hint(
    class_name: str, expected: Mapping[str, Any], wanted: Mapping[str, str], wrong: list
) -> str:
    """E.g. "the task asks for 3x3 kernels; found 5x5: pass kernel_size=3 to each Conv2D"."""
    phrases = []
    for key, text in wanted.items():
        found = sorted({actual for _, k, actual in wrong if k == key})
        if found:
            phrase = _ASK_PHRASES.get(key, key + "={}").format(text)
            phrases.append(
                f"the task asks for {phrase}; found {', '.join(found)}: pass "
                f"{key}={_python(expected[key])} to each {class_name}"
            )
    return "; ".join(phrases)


def _python(value: Any) -> str:
    """A value as the student would type it in the course's style (double quotes)."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _drop_zeros(counter: Counter[LayerSignature]) -> None:
    for sig in [s for s, n in counter.items() if n <= 0]:
        del counter[sig]


def _expand(counter: Counter[LayerSignature]) -> list[LayerSignature]:
    return list(counter.elements())


def _ordered(counter: Counter[LayerSignature]) -> list[tuple[LayerSignature, int]]:
    return sorted(counter.items(), key=lambda item: item[0].describe())
