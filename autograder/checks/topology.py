"""Checks on how a model's layers are wired: residuals, fusion, heads, U-Net skips, sharing.

Every check reads the order-free :class:`~autograder.graph.ModelGraph`, never ``model.layers``
positions or automatic layer names, so swapping a merge's operands, writing ``x + y`` in place
of ``Add()``, or nesting a tower as a sub-model does not change a verdict. Calls are described
to students by class and shape (``Conv2D (None, 16, 16, 8)``), which they can find in their own
``summary()``.

Each ``check_*`` function raises :class:`~autograder.errors.CheckFailure` with a message that
names the concept, shows what was expected and found, and gives a hint; on success it returns
what it found, so a report can show it. The plain functions (``residual_merges``,
``output_branches``, ``unet_skips``) only describe the graph and never fail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from autograder.errors import CheckFailure
from autograder.graph import Call, LayerInfo, ModelGraph, Shape, TensorSpec, as_graph, format_shape

# Classes (layers and operations) whose only job is an activation function.
ACTIVATION_CLASSES = frozenset(
    {
        "Activation", "ReLU", "Relu", "Relu6", "LeakyReLU", "LeakyRelu", "PReLU", "ELU", "Elu",
        "Selu", "Gelu", "Silu", "Swish", "Mish", "Sigmoid", "HardSigmoid", "Tanh", "Softmax",
        "Softplus", "Softsign",
    }
)  # fmt: skip
_NO_ACTIVATION = (None, "linear")

# =================================================================================================
# Residual merges
# =================================================================================================


@dataclass(frozen=True)
class ResidualMerge:
    """A sum of a block's output and its shortcut.

    ``fork`` is the call both operands come from; ``shortcut`` and ``main`` are the calls on each
    branch after the fork, in graph order (an identity shortcut is empty).
    """

    merge: str
    kind: str  # "identity" or "projection"
    fork: str
    shortcut: tuple[str, ...]
    main: tuple[str, ...]


def residual_merges(model_or_graph: Any) -> list[ResidualMerge]:
    """Every two-operand ``Add`` (layer or ``x + y``) that closes a residual block.

    The operands must meet at a common ancestor (the fork). The shortcut is the lighter branch
    from the fork (fewer layers with weights, then fewer calls); it is an identity shortcut if
    it has no weights, a projection otherwise. A sum of two branches of the same weight (twin
    parallel towers) or of a tensor with itself is not a residual and is left out.
    """
    graph = as_graph(model_or_graph)
    position = _positions(graph)
    found = []
    for merge in graph.calls_of_class("Add"):
        if len(merge.inputs) == 2:
            record = _as_residual(graph, merge, position)
            if record is not None:
                found.append(record)
    return found


def _as_residual(graph: ModelGraph, merge: Call, position: dict[str, int]) -> ResidualMerge | None:
    left, right = merge.inputs
    common = _closure(graph, left) & _closure(graph, right)
    if not common:
        return None
    fork = max(common, key=position.__getitem__)
    branches = [_branch(graph, fork, operand, position) for operand in (left, right)]
    shortcut, main = sorted(branches, key=lambda calls: _branch_weight(graph, calls))
    if _branch_weight(graph, main) == _branch_weight(graph, shortcut):
        return None
    kind = "projection" if _weighted_calls(graph, shortcut) else "identity"
    return ResidualMerge(merge.id, kind, fork, shortcut, main)


def check_residual_blocks(
    model_or_graph: Any,
    identity: int | None = None,
    projection: int | None = None,
    activation_after_merge: bool | None = None,
) -> list[ResidualMerge]:
    """The model has residual blocks: as many identity and projection merges as asked.

    ``activation_after_merge=True`` also asks that each block add its shortcut *before* its
    final activation (main branch ends without one, the sum feeds one), the classic mistake
    being a sum placed after the ReLU. ``False`` asks for the opposite (no activation after the
    sum, as in pre-activation ResNets); ``None`` does not look.
    """
    graph = as_graph(model_or_graph)
    merges = residual_merges(graph)
    expected_total = (identity or 0) + (projection or 0)
    if not merges and (expected_total > 0 or (identity is None and projection is None)):
        raise _no_residual(graph)
    _check_residual_counts(graph, merges, identity, projection)
    if activation_after_merge is True:
        for record in merges:
            _check_merge_before_activation(graph, record)
    elif activation_after_merge is False:
        for record in merges:
            _check_no_activation_after_merge(graph, record)
    return merges


def _no_residual(graph: ModelGraph) -> CheckFailure:
    adds = graph.calls_of_class("Add")
    if adds:
        found = (
            f"{_count(len(adds), 'sum')} ({_described(graph, [a.id for a in adds])}), but none "
            "adds a block's input to the block's output"
        )
        hint = (
            "a residual adds the tensor that entered the block (or a 1x1 projection of it) to "
            "what the block computed; summing two parallel branches of equal depth, or a "
            "tensor with itself, is not a skip connection"
        )
    else:
        found = "no skip connection: no Add sums a block's input with its output"
        hint = (
            "keep the block's input (`shortcut = x`), compute the block, then "
            "`x = layers.Add()([x, shortcut])` (or `x + shortcut`) before the final activation"
        )
    return CheckFailure("Residual blocks", "at least one residual merge (Add)", found, hint)


def _check_residual_counts(
    graph: ModelGraph,
    merges: list[ResidualMerge],
    identity: int | None,
    projection: int | None,
) -> None:
    kinds = Counter(record.kind for record in merges)
    wanted = {"identity": identity, "projection": projection}
    if all(n is None or kinds[kind] == n for kind, n in wanted.items()):
        return
    expected = " and ".join(f"{n} {kind}" for kind, n in wanted.items() if n is not None)
    found = f"{kinds['identity']} identity and {kinds['projection']} projection"
    raise CheckFailure(
        "Residual blocks",
        f"{expected} residual merge(s)",
        f"{found} residual merge(s)",
        _residual_count_hint(kinds, identity, projection),
    )


def _residual_count_hint(kinds: Counter, identity: int | None, projection: int | None) -> str:
    if projection is not None and kinds["projection"] < projection:
        if identity is None or kinds["identity"] > identity:
            return (
                "a block that changes the shape (strides or number of filters) needs a "
                "projection shortcut: a 1x1 Conv2D with the block's strides, then "
                "BatchNormalization, applied to the shortcut before the Add"
            )
        return "some blocks have no skip connection: each block must end with its own Add"
    if projection is not None and kinds["projection"] > projection:
        return (
            "an identity block adds its input unchanged; only a block whose output shape "
            "differs from its input needs a 1x1 conv on the shortcut"
        )
    if identity is not None and kinds["identity"] < identity:
        return (
            "some blocks have no skip connection: keep `shortcut = x` at the start of each "
            "block and add it back at the end"
        )
    return "there are more residual merges than blocks: each block should add its shortcut once"


def _check_merge_before_activation(graph: ModelGraph, record: ResidualMerge) -> None:
    hint = (
        "add the shortcut to the output of the block's last BatchNormalization (or conv, with "
        "no activation), then activate the sum: `x = layers.Add()([x, shortcut])`, "
        "`x = layers.Activation('relu')(x)`"
    )
    expected = "the shortcut added before the block's final activation: ... -> Add -> ReLU"
    last = record.main[-1]
    if _applies_activation(graph, last):
        raise CheckFailure(
            "Residual before activation",
            expected,
            f"the residual is added after the activation instead of before: the main branch "
            f"ends with {_described_call(graph, last)} before {graph.describe(record.merge)}",
            hint,
        )
    if not any(_is_activation(graph, child) for child in graph.children(record.merge)):
        after = _described(graph, graph.children(record.merge)) or "the output"
        raise CheckFailure(
            "Residual before activation",
            expected,
            f"{graph.describe(record.merge)} feeds {after}, not an activation",
            hint,
        )


def _check_no_activation_after_merge(graph: ModelGraph, record: ResidualMerge) -> None:
    activated = [c for c in graph.children(record.merge) if _is_activation(graph, c)]
    if activated:
        raise CheckFailure(
            "Residual path",
            "the sum passed on without an activation (the pre-activation design)",
            f"{graph.describe(record.merge)} feeds {_described(graph, activated)}",
            "in this design each block activates its input first; leave the sum itself "
            "untouched so the identity path stays clean",
        )


# =================================================================================================
# Multi-input fusion
# =================================================================================================


def check_multi_input_fusion(model_or_graph: Any, inputs: Sequence[str] | None = None) -> Call:
    """Every input reaches an output, and one merge fuses branches that share no ancestor.

    ``inputs`` names the inputs the task asks for (all of the model's inputs if ``None``); each
    of them must reach the fusing merge. Returns that merge.
    """
    graph = as_graph(model_or_graph)
    specs = _required_inputs(graph, inputs, "Multiple inputs")
    for spec in specs:
        _require_reaches_output(graph, spec)
    fusions = [merge for merge in graph.merges() if _fuses_independent_branches(graph, merge)]
    names = _names([spec.name for spec in specs])
    if not fusions:
        raise CheckFailure(
            "Branch fusion",
            f"a merge (Concatenate, Add, ...) that combines the branches of {names}",
            "your branches are never merged: " + _where_inputs_go(graph, specs),
            "combine the branches' features with `layers.Concatenate()([a, b])` and compute "
            "the output from the merged tensor",
        )
    for merge in fusions:
        if all(spec.call in graph.ancestors(merge.id) for spec in specs):
            return merge
    best = max(fusions, key=lambda m: sum(s.call in graph.ancestors(m.id) for s in specs))
    missing = [s.name for s in specs if s.call not in graph.ancestors(best.id)]
    raise CheckFailure(
        "Branch fusion",
        f"one merge that every input reaches: {names}",
        f"input {_names(missing)} never reaches the merge {graph.describe(best.id)}",
        "merge all the branches, in one Concatenate or step by step, before the output layers",
    )


def _required_inputs(
    graph: ModelGraph, names: Sequence[str] | None, concept: str
) -> list[TensorSpec]:
    """The model's inputs the task names (at least two), or a failure that says which differ."""
    wanted = list(names) if names is not None else [spec.name for spec in graph.inputs]
    needed = max(len(wanted), 2)
    have = [spec.name for spec in graph.inputs]
    if len(have) < needed:
        task = _number(needed) + (f": {_names(wanted)}" if names is not None else "")
        raise CheckFailure(
            concept,
            f"{_number(needed)} inputs" + (f": {_names(wanted)}" if names is not None else ""),
            f"your model has {_number(len(have))} input{'s' * (len(have) != 1)} ({_names(have)})",
            f"this task needs {task}. Declare one `keras.Input(shape=..., name=...)` per input "
            "and pass them all to keras.Model",
        )
    missing = [name for name in wanted if graph.input_named(name) is None]
    if missing:
        raise CheckFailure(
            concept,
            f"inputs named {_names(wanted)}",
            f"inputs named {_names(have)}",
            f"name each input when you create it: `keras.Input(shape=..., name={missing[0]!r})`",
        )
    return [spec for name in wanted if (spec := graph.input_named(name)) is not None]


def _require_reaches_output(graph: ModelGraph, spec: TensorSpec) -> None:
    reached = graph.descendants(spec.call) | {spec.call}
    if not any(out.call in reached for out in graph.outputs):
        raise CheckFailure(
            "Inputs used",
            "every input connected to an output",
            f"input `{spec.name}` is never used: nothing connects it to an output",
            f"pass `{spec.name}` through its own layers and merge the result with the other "
            "branches (for example `layers.Concatenate()([x, y])`)",
        )


def _fuses_independent_branches(graph: ModelGraph, merge: Call) -> bool:
    """At least two operands have no call in common upstream (not even an input)."""
    closures = [_closure(graph, operand) for operand in merge.inputs]
    return any(not (a & b) for i, a in enumerate(closures) for b in closures[i + 1 :])


def _where_inputs_go(graph: ModelGraph, specs: list[TensorSpec]) -> str:
    parts = []
    for spec in specs:
        reached = graph.descendants(spec.call) | {spec.call}
        outs = [out.name for out in graph.outputs if out.call in reached]
        parts.append(f"`{spec.name}` reaches {_names(outs, 'output')}")
    return "; ".join(parts) + ", each on its own"


# =================================================================================================
# Output branches
# =================================================================================================


@dataclass(frozen=True)
class OutputBranch:
    """Where one output's head leaves what it shares with the other outputs.

    ``branch_point`` is the last call (in graph order) shared with another output, ``None`` if
    the output shares nothing; ``own_calls`` are the calls only this output depends on and
    ``own_weighted`` the layers with weights that no other output uses.
    """

    output: str
    branch_point: str | None
    own_calls: tuple[str, ...]
    own_weighted: int


def output_branches(model_or_graph: Any) -> list[OutputBranch]:
    """For each output, the branch point off the shared trunk and the size of its own head."""
    graph = as_graph(model_or_graph)
    position = _positions(graph)
    closures = {out.name: _closure(graph, out.call) for out in graph.outputs}
    branches = []
    for out in graph.outputs:
        others = set().union(*(c for name, c in closures.items() if name != out.name))
        mine = closures[out.name]
        shared = mine & others
        own = sorted(mine - others, key=position.__getitem__)
        other_layers = {graph.calls[c].layer for c in others}
        own_layers = {graph.calls[c].layer for c in own} - other_layers
        weighted = sum(graph.layers[path].params > 0 for path in own_layers)
        point = max(shared, key=position.__getitem__) if shared else None
        branches.append(OutputBranch(out.name, point, tuple(own), weighted))
    return branches


def check_output_branches(
    model_or_graph: Any,
    outputs: Sequence[str] | None = None,
    min_own_weighted: int = 1,
    trunk_class: str | None = None,
    trunk_shape: Shape | None = None,
) -> list[OutputBranch]:
    """Each output has a head of its own that leaves a shared trunk.

    The trunk must hold at least one layer with weights (two separate towers are not a
    multi-task model); each head must own ``min_own_weighted`` layers with weights and must
    not be computed from another output. ``trunk_class`` / ``trunk_shape`` pin the tensor the
    heads branch from (an activation after it, or ``Conv2D(activation=...)``, counts the same).
    """
    graph = as_graph(model_or_graph)
    _require_outputs(graph, outputs)
    branches = output_branches(graph)
    wanted = set(outputs) if outputs is not None else {b.output for b in branches}
    _check_heads_are_not_chained(graph, wanted)
    for branch in branches:
        if branch.output in wanted:
            _check_one_head(graph, branch, min_own_weighted, trunk_class, trunk_shape)
    return branches


def _check_heads_are_not_chained(graph: ModelGraph, names: set[str]) -> None:
    """No output is computed from another output's prediction."""
    for out in graph.outputs:
        feeder = next(
            (
                o
                for o in graph.outputs
                if o.name != out.name and o.call in graph.ancestors(out.call)
            ),
            None,
        )
        if out.name in names and feeder is not None:
            raise CheckFailure(
                "Output heads",
                f"output `{out.name}` computed from the shared trunk",
                f"output `{out.name}` is computed from output `{feeder.name}`",
                "branch each head off the trunk (the last layer the outputs have in common), "
                "not off another head's prediction",
            )


def _require_outputs(graph: ModelGraph, names: Sequence[str] | None) -> None:
    wanted = list(names) if names is not None else []
    needed = max(len(wanted), 2)
    have = [out.name for out in graph.outputs]
    if len(have) < needed:
        raise CheckFailure(
            "Multiple outputs",
            f"{_number(needed)} outputs" + (f": {_names(wanted)}" if wanted else ""),
            f"your model has {_number(len(have))} output{'s' * (len(have) != 1)} ({_names(have)})",
            "return every head from the model, keyed by name: "
            "`keras.Model(inputs, {'category': c, 'footwear': f})`",
        )
    missing = [name for name in wanted if graph.output_named(name) is None]
    if missing:
        raise CheckFailure(
            "Multiple outputs",
            f"outputs named {_names(wanted)}",
            f"outputs named {_names(have)}",
            f"name each head's last layer (`name={missing[0]!r}`) or return a dict of outputs "
            "keyed by these names",
        )


def _check_one_head(
    graph: ModelGraph,
    branch: OutputBranch,
    min_own_weighted: int,
    trunk_class: str | None,
    trunk_shape: Shape | None,
) -> None:
    name = branch.output
    if branch.branch_point is None or not _trunk_has_weights(graph, branch.branch_point):
        raise CheckFailure(
            "Shared trunk",
            "outputs that share a trunk of layers with weights, then split into heads",
            f"output `{name}` shares no layer with weights with the other outputs: each output "
            "has its own tower from the input",
            "compute the shared features once (the trunk), then apply each head to them",
        )
    if branch.own_weighted < min_own_weighted:
        raise CheckFailure(
            "Output heads",
            f"output `{name}` with at least {_count(min_own_weighted, 'layer')} with weights "
            "of its own",
            f"output `{name}` has {branch.own_weighted}; it leaves the trunk at "
            f"{graph.describe(branch.branch_point)}",
            f"give `{name}` its own Dense layer on top of the trunk; reusing another head's "
            "layer makes both outputs predict the same thing",
        )
    _check_branch_point(graph, branch, trunk_class, trunk_shape)


def _check_branch_point(
    graph: ModelGraph, branch: OutputBranch, trunk_class: str | None, trunk_shape: Shape | None
) -> None:
    point = branch.branch_point
    assert point is not None
    if any(
        _is_trunk(graph, c, trunk_class, trunk_shape) for c in _through_activations(graph, point)
    ):
        return
    wanted = trunk_class or "layer"
    if trunk_shape is not None:
        wanted += " " + format_shape(tuple(trunk_shape))
    raise CheckFailure(
        "Branch point",
        f"the heads branch off the trunk's {wanted}",
        f"output `{branch.output}` branches off at {graph.describe(point)}",
        f"apply every head to the output of the trunk's {wanted}",
    )


def _is_trunk(
    graph: ModelGraph, cid: str, trunk_class: str | None, trunk_shape: Shape | None
) -> bool:
    call = graph.calls[cid]
    return (trunk_class is None or call.class_name == trunk_class) and (
        trunk_shape is None or call.shape == tuple(trunk_shape)
    )


def _trunk_has_weights(graph: ModelGraph, point: str) -> bool:
    return any(graph.layer_of(c).params > 0 for c in _closure(graph, point))


# =================================================================================================
# U-Net skips
# =================================================================================================


@dataclass(frozen=True)
class UNetSkip:
    """A Concatenate that brings an encoder tensor (``skip``) to a decoder operand (``decoder``).

    ``after_downsampling``: the skip tensor is itself a down-sampled (pooled) output.
    ``feeds_downsampling``: the skip tensor is what the encoder then down-samples (directly or
    through shape-preserving calls such as Dropout).
    """

    merge: str
    skip: str
    decoder: str
    resolution: tuple[int, ...]
    decoder_resolution: tuple[int, ...]
    after_downsampling: bool
    feeds_downsampling: bool


def unet_skips(model_or_graph: Any) -> list[UNetSkip]:
    """Concatenates that bring an encoder tensor to a decoder tensor that went down and back.

    The skip is the last tensor both operands share; the decoder operand reached the merge
    through a lower resolution. Down-sampling is read from shapes (a spatial size halved or
    more), never from class names, so pooling, strided convs and resizing all count.
    """
    graph = as_graph(model_or_graph)
    position = _positions(graph)
    return [
        _unet_skip(graph, merge.id, skip, decoder)
        for merge in graph.calls_of_class("Concatenate")
        for skip, decoder in _level_crossings(graph, merge, position)
    ]


def _unet_skip(graph: ModelGraph, merge: str, skip: str, decoder: str) -> UNetSkip:
    return UNetSkip(
        merge,
        skip,
        decoder,
        _spatial(graph.calls[skip].shape) or (),
        _spatial(graph.calls[decoder].shape) or (),
        _is_downsampling(graph, skip),
        _feeds_downsampling(graph, skip),
    )


def _level_crossings(
    graph: ModelGraph, merge: Call, position: dict[str, int]
) -> list[tuple[str, str]]:
    """(shared tensor, decoder operand) pairs: one operand went down a level and back up.

    The other operand stays at the shared tensor's level: it is the tensor itself in a U-Net,
    or a light transform of it (a 1x1 conv before a sum). Branches that both go down (a
    strided residual block) do not cross levels.
    """
    pairs: list[tuple[str, str]] = []
    for decoder in merge.inputs:
        for other in merge.inputs:
            common = _closure(graph, decoder) & _closure(graph, other)
            if other == decoder or not common:
                continue
            fork = max(common, key=position.__getitem__)
            crossing = (fork, decoder)
            if (
                crossing not in pairs
                and _dips_below(graph, fork, decoder)
                and not _dips_below(graph, fork, other)
            ):
                pairs.append(crossing)
    return pairs


def _dips_below(graph: ModelGraph, start: str, end: str) -> bool:
    """Some call between ``start`` and ``end`` has a smaller spatial size than ``start``."""
    size = _area(graph.calls[start].shape)
    if size is None:
        return False
    between = [c for c in _closure(graph, end) if start in graph.ancestors(c)]
    return any((_area(graph.calls[c].shape) or size) < size for c in between)


def check_unet_skips(model_or_graph: Any, levels: int | None = None) -> list[UNetSkip]:
    """One Concatenate skip per encoder level, pairing equal resolutions, taken before pooling.

    ``levels`` is the number of down-sampling levels the task asks for; if ``None`` every
    resolution at which the encoder down-samples must have its skip.
    """
    graph = as_graph(model_or_graph)
    skips = unet_skips(graph)
    if not skips:
        raise _no_unet_skip(graph)
    for skip in skips:
        _check_one_skip(graph, skip)
    _check_one_skip_per_level(graph, skips, levels)
    return skips


_UNET_EXPECTED = (
    "one Concatenate per level joining the encoder's feature map (before pooling) to the "
    "up-sampled decoder tensor of the same resolution"
)


def _no_unet_skip(graph: ModelGraph) -> CheckFailure:
    position = _positions(graph)
    added = [
        merge
        for merge in graph.calls_of_class("Add", "Average")
        if _level_crossings(graph, merge, position)
    ]
    if added:
        return CheckFailure(
            "U-Net skips",
            _UNET_EXPECTED,
            "the encoder's features are added to the decoder "
            f"({_described(graph, [m.id for m in added])}), not concatenated",
            "a U-Net keeps the encoder's channels next to the decoder's: use "
            "`layers.Concatenate(axis=-1)([up, skip])` in place of the Add",
        )
    residuals = [merge for merge in graph.merges() if merge.class_name == "Add"]
    if residuals:
        return CheckFailure(
            "U-Net skips",
            _UNET_EXPECTED,
            f"no encoder feature map reaches the decoder; the model only adds "
            f"{_count(len(residuals), 'residual')} (Add) inside its encoder and decoder blocks",
            "that is a residual encoder-decoder ('U-Net-like'), not a U-Net: a residual inside "
            "a block stays at that block's resolution and carries nothing across the "
            "bottleneck. Keep each encoder level's output before pooling and concatenate it "
            "with the decoder tensor at the same resolution",
        )
    return CheckFailure(
        "U-Net skips",
        _UNET_EXPECTED,
        "no skip connection: everything the decoder sees went through the bottleneck",
        "have `conv_block` return the tensor before pooling as the skip, and in each "
        "`upsampling_block` concatenate it with the up-sampled tensor",
    )


def _check_one_skip(graph: ModelGraph, skip: UNetSkip) -> None:
    where = f"{graph.describe(skip.merge)} joins {_described(graph, [skip.skip])}"
    if skip.resolution != skip.decoder_resolution:
        raise CheckFailure(
            "U-Net skips",
            "each skip joined to a decoder tensor of the same resolution",
            f"{where} ({_resolution(skip.resolution)}) with "
            f"{_described(graph, [skip.decoder])} ({_resolution(skip.decoder_resolution)})",
            "up-sample the decoder tensor to the skip's size before concatenating",
        )
    if skip.after_downsampling:
        parent = graph.calls[skip.skip].inputs[0]
        raise CheckFailure(
            "U-Net skips",
            "skips taken before down-sampling",
            f"skip taken after pooling: {where}, which is already down-sampled from "
            f"{graph.describe(parent)}",
            "take the skip from the conv block's output (before MaxPooling2D), so the decoder "
            "gets the full-resolution detail",
        )
    if not skip.feeds_downsampling:
        raise CheckFailure(
            "U-Net skips",
            "skips taken from the tensor each encoder level down-samples",
            f"{where}, which is not the tensor the encoder then down-samples",
            "use as skip the conv block's output, the same tensor you pass to MaxPooling2D",
        )


def _check_one_skip_per_level(graph: ModelGraph, skips: list[UNetSkip], levels: int | None) -> None:
    per_level = Counter(skip.resolution for skip in skips)
    doubled = [res for res, n in per_level.items() if n > 1]
    if doubled:
        raise CheckFailure(
            "U-Net skips",
            "one skip per level",
            f"{per_level[doubled[0]]} skips at level {_resolution(doubled[0])}",
            "concatenate each encoder level's output once, in the decoder block of the same "
            "resolution",
        )
    missing = sorted(_downsampling_levels(graph) - set(per_level), key=_product, reverse=True)
    if (levels is None or len(skips) != levels) and missing:
        raise CheckFailure(
            "U-Net skips",
            f"{_count(levels, 'skip')}, one per level" if levels else "a skip at every level",
            f"{_count(len(skips), 'skip')}; no skip at level "
            f"{', '.join(_resolution(r) for r in missing)}",
            "every level where the encoder pools needs its skip into the decoder block of the "
            "same resolution",
        )
    if levels is not None and len(skips) != levels:
        raise CheckFailure(
            "U-Net skips",
            f"{_count(levels, 'skip')}, one per level",
            f"{_count(len(skips), 'skip')} at "
            f"{', '.join(_resolution(s.resolution) for s in skips)}",
            f"the task's U-Net has {_count(levels, 'level')}: down-sample that many times and "
            "bring each level's skip back",
        )


def _downsampling_levels(graph: ModelGraph) -> set[tuple[int, ...]]:
    """Resolutions at which some call halves the spatial size: the encoder's levels."""
    return {
        spatial
        for call in graph.calls.values()
        if _is_downsampling(graph, call.id)
        and (spatial := _spatial(graph.calls[call.inputs[0]].shape)) is not None
    }


# =================================================================================================
# Parallel branches (Inception-style blocks)
# =================================================================================================


def check_parallel_branches(
    model_or_graph: Any, branches: int, merge: str = "Concatenate", start: str | None = None
) -> Call:
    """One ``merge`` joins ``branches`` branches that run side by side from the same input.

    Side by side: no branch uses another branch's result, its end or anything in between, so
    the branches share nothing but the input ``start`` (the model's only input when ``None``)
    and what comes before it. A branch may be the input itself. Returns the merge.
    """
    graph = as_graph(model_or_graph)
    join = _single_join(graph, branches, merge)
    begin = _start_call(graph, start)
    before = graph.ancestors(begin) | {begin}
    ends = join.inputs
    for end in ends:
        if end != begin and begin not in graph.ancestors(end):
            raise CheckFailure(
                "Parallel branches",
                f"every branch starting from the input {graph.describe(begin)}",
                f"the branch ending in {graph.describe(end)} does not start from it",
                "call the first layer of each branch on the block's input",
            )
    for i, a in enumerate(ends):
        for j in range(i + 1, len(ends)):
            shared = (_closure(graph, a) & _closure(graph, ends[j])) - before
            if shared:
                raise _branches_in_sequence(graph, join, (i, j), shared)
    return join


def _single_join(graph: ModelGraph, branches: int, merge: str) -> Call:
    joins = [call for call in graph.calls_of_class(merge) if len(call.inputs) >= 2]
    if len(joins) == 1 and len(joins[0].inputs) == branches:
        return joins[0]
    sizes = ", ".join(str(len(j.inputs)) for j in joins)
    found = f"{_count(len(joins), merge)}" + (f" joining {sizes} tensors" if joins else "")
    raise CheckFailure(
        "Parallel branches",
        f"one {merge} that joins the {_number(branches)} branches",
        found,
        f"end the block with `layers.{merge}()([...])` on the last tensor of each branch",
    )


def _start_call(graph: ModelGraph, start: str | None) -> str:
    if start is not None:
        spec = graph.input_named(start)
        if spec is None:
            raise CheckFailure(
                "Parallel branches",
                f"an input named `{start}`",
                f"inputs named {_names([t.name for t in graph.inputs])}",
                f"name the input: `keras.Input(shape=..., name={start!r})`",
            )
        return spec.call
    if len(graph.inputs) != 1:
        raise ValueError("the model has several inputs: say which one the branches start from")
    return graph.inputs[0].call


def _branches_in_sequence(
    graph: ModelGraph, join: Call, pair: tuple[int, int], shared: frozenset[str]
) -> CheckFailure:
    """Branches are named by their place in the merge's list, as the student wrote it."""
    ends = [join.inputs[k] for k in pair]
    names = [f"branch {k + 1} ({graph.describe(join.inputs[k])})" for k in pair]
    if ends[0] in shared or ends[1] in shared:
        up, down = (0, 1) if ends[0] in shared else (1, 0)
        found = f"{names[down]} is computed from the output of {names[up]}"
    else:
        first = next(c for c in graph.order() if c in shared)
        found = (
            f"{names[0]} and {names[1]} both use {graph.describe(first)}: one branch starts "
            "from another's intermediate result"
        )
    return CheckFailure(
        "Parallel branches",
        "branches side by side, each starting from the block's input",
        found + f" (branches numbered in the order you pass them to {join.class_name})",
        "call the first layer of every branch on the block's input itself, not on another "
        "branch's tensor",
    )


# =================================================================================================
# Shared layers and towers
# =================================================================================================


def check_shared_layers(model_or_graph: Any, min_shared: int = 1) -> list[LayerInfo]:
    """At least ``min_shared`` layers with weights are applied more than once."""
    graph = as_graph(model_or_graph)
    shared = graph.shared_layers()
    if len(shared) >= min_shared:
        return shared
    copies = _copied_layers(graph)
    found = f"{_count(len(shared), 'shared layer')}"
    if copies:
        found += "; these layers are separate copies with identical settings: " + ", ".join(
            f"{_layer_label(graph, group[0])} x{len(group)}" for group in copies
        )
    raise CheckFailure(
        "Shared layers",
        f"at least {_count(min_shared, 'layer')} with weights called more than once",
        found,
        "create the layer once and call it on each tensor: `dense = layers.Dense(64)`, "
        "`a = dense(x1)`, `b = dense(x2)`; a second `layers.Dense(64)` is a copy with its own "
        "weights",
    )


def check_shared_tower(
    model_or_graph: Any, inputs: Sequence[str] = ("left", "right")
) -> list[LayerInfo]:
    """The same layer objects process each named input (a Siamese tower), weights counted once.

    A tower written as a nested model and called on each input, or built from layers shared
    one by one, both pass; two towers of identical structure (copies) fail.
    """
    graph = as_graph(model_or_graph)
    specs = _required_inputs(graph, inputs, "Siamese inputs")
    for spec in specs:
        _require_reaches_output(graph, spec)
    towers = [_own_weighted_layers(graph, spec, specs) for spec in specs]
    for spec, tower in zip(specs, towers, strict=True):
        if not tower:
            raise CheckFailure(
                "Shared tower",
                f"input `{spec.name}` processed by the shared tower",
                f"input `{spec.name}` goes through no layer with weights before the branches meet",
                "call the tower on every input: `emb = tower(x)` for each one",
            )
    if all(tower == towers[0] for tower in towers):
        return [graph.layers[path] for path in sorted(towers[0])]
    raise _unshared_tower(graph, specs, towers)


def _own_weighted_layers(
    graph: ModelGraph, spec: TensorSpec, specs: list[TensorSpec]
) -> frozenset[str]:
    """Layers with weights called on this input's branch before it meets the other inputs."""
    others: set[str] = set()
    for other in specs:
        if other is not spec:
            others |= graph.descendants(other.call)
    own = graph.descendants(spec.call) - others
    return frozenset(graph.calls[c].layer for c in own if graph.layer_of(c).params > 0)


def _unshared_tower(
    graph: ModelGraph, specs: list[TensorSpec], towers: list[frozenset[str]]
) -> CheckFailure:
    names = _names([spec.name for spec in specs])
    common = frozenset.intersection(*towers)
    hint = (
        "a Siamese model applies one tower to both inputs; build the tower once and call it "
        "twice (a keras.Model called on each input, or layers created once and called on each)"
    )
    if not common:
        signatures = [Counter(_layer_label(graph, path) for path in tower) for tower in towers]
        shape = (
            "identical structure, so each has its own copy of the weights"
            if all(sig == signatures[0] for sig in signatures)
            else "different structures"
        )
        params = " + ".join(f"{sum(graph.layers[p].params for p in t):,}" for t in towers)
        return CheckFailure(
            "Shared tower",
            f"one tower (the same layers) applied to {names}",
            f"{_the_branches(len(towers))} use different layers ({shape}): {params} parameters",
            hint,
        )
    own = sorted({p for tower in towers for p in tower} - common)
    return CheckFailure(
        "Shared tower",
        f"one tower (the same layers) applied to {names}",
        f"{_count(len(common), 'layer')} shared, but {_the_branches(len(towers))} use "
        f"different layers for {', '.join(_layer_label(graph, p) for p in own)}",
        hint,
    )


def _copied_layers(graph: ModelGraph) -> list[list[str]]:
    """Groups of weighted layers, each called once, with the same class, settings and size."""
    groups: dict[tuple, list[str]] = {}
    for info in graph.weighted_layers():
        if len(info.calls) == 1:
            settings = {k: v for k, v in info.config.items() if k != "name"}
            key = (info.class_name, info.params, repr(sorted(settings.items())))
            groups.setdefault(key, []).append(info.path)
    return [paths for paths in groups.values() if len(paths) > 1]


def _layer_label(graph: ModelGraph, path: str) -> str:
    """A layer as a student recognises it: class, output shape of its first call, size."""
    info = graph.layers[path]
    shape = graph.calls[info.calls[0]].shape if info.calls else None
    return f"{info.class_name} {format_shape(shape)} ({info.params:,} params)"


# =================================================================================================
# Graph helpers (candidates for ModelGraph)
# =================================================================================================


def _positions(graph: ModelGraph) -> dict[str, int]:
    return {cid: i for i, cid in enumerate(graph.order())}


def _closure(graph: ModelGraph, cid: str) -> frozenset[str]:
    """A call and everything upstream of it."""
    return graph.ancestors(cid) | {cid}


def _branch(graph: ModelGraph, fork: str, end: str, position: dict[str, int]) -> tuple[str, ...]:
    """Calls strictly after ``fork`` on the way to ``end`` (``end`` included), in order."""
    calls = [c for c in _closure(graph, end) if fork in graph.ancestors(c)]
    return tuple(sorted(calls, key=position.__getitem__))


def _weighted_calls(graph: ModelGraph, calls: Iterable[str]) -> int:
    return sum(graph.layer_of(c).params > 0 for c in calls)


def _branch_weight(graph: ModelGraph, calls: Sequence[str]) -> tuple[int, int]:
    """How much a branch computes: layers with weights first, then calls of any kind."""
    return _weighted_calls(graph, calls), len(calls)


def _is_activation(graph: ModelGraph, cid: str) -> bool:
    """A call whose only job is an activation function (layer or operation)."""
    call = graph.calls[cid]
    if call.class_name == "Activation":
        return graph.layer_of(cid).config.get("activation") not in _NO_ACTIVATION
    return call.class_name in ACTIVATION_CLASSES


def _applies_activation(graph: ModelGraph, cid: str) -> bool:
    """An activation call, or a layer with a built-in one (``Conv2D(activation="relu")``)."""
    return _is_activation(graph, cid) or (
        graph.layer_of(cid).config.get("activation") not in _NO_ACTIVATION
    )


def _through_activations(graph: ModelGraph, cid: str) -> list[str]:
    """The call, then its parents while the chain is made of activations or Dropout."""
    chain = [cid]
    while (
        _is_activation(graph, chain[-1]) or graph.calls[chain[-1]].class_name == "Dropout"
    ) and len(graph.calls[chain[-1]].inputs) == 1:
        chain.append(graph.calls[chain[-1]].inputs[0])
    return chain


def _spatial(shape: Shape | None) -> tuple[int, ...] | None:
    """The spatial dimensions of a channels-last tensor, if known (rank 3 or more)."""
    if shape is None or len(shape) < 3 or any(d is None for d in shape[1:-1]):
        return None
    return tuple(int(d) for d in shape[1:-1])  # type: ignore[arg-type]


def _area(shape: Shape | None) -> int | None:
    spatial = _spatial(shape)
    return None if spatial is None else _product(spatial)


def _product(dims: Iterable[int]) -> int:
    total = 1
    for d in dims:
        total *= d
    return total


def _is_downsampling(graph: ModelGraph, cid: str) -> bool:
    """The call's output is at most half its input's size along some spatial axis."""
    call = graph.calls[cid]
    if not call.inputs:
        return False
    before = _spatial(graph.calls[call.inputs[0]].shape)
    after = _spatial(call.shape)
    if before is None or after is None or len(before) != len(after):
        return False
    return all(a <= b for a, b in zip(after, before, strict=True)) and any(
        a < b and 2 * a <= b + 1 for a, b in zip(after, before, strict=True)
    )


def _feeds_downsampling(graph: ModelGraph, cid: str) -> bool:
    """``cid`` is down-sampled next, directly or through shape-preserving calls (Dropout)."""
    shape = graph.calls[cid].shape
    stack, seen = list(graph.children(cid)), set()
    while stack:
        child = stack.pop()
        if child in seen:
            continue
        seen.add(child)
        if _is_downsampling(graph, child):
            return True
        if graph.calls[child].shape == shape and len(graph.calls[child].inputs) == 1:
            stack.extend(graph.children(child))
    return False


# =================================================================================================
# Wording
# =================================================================================================

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _number(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _the_branches(n: int) -> str:
    return f"the {_number(n)} branches"


def _count(n: int | None, noun: str) -> str:
    n = n or 0
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _names(names: Sequence[str], noun: str = "") -> str:
    """`a`, `b` and `c`; 'no <noun>' when empty."""
    quoted = [f"`{name}`" for name in names]
    if not quoted:
        return f"no {noun}".strip() if noun else "none"
    prefix = f"{noun}s " if noun and len(quoted) > 1 else (f"{noun} " if noun else "")
    if len(quoted) == 1:
        return prefix + quoted[0]
    return prefix + ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _described(graph: ModelGraph, cids: Iterable[str]) -> str:
    return ", ".join(graph.describe(c) for c in cids)


def _described_call(graph: ModelGraph, cid: str) -> str:
    """Like ``describe``, naming a built-in activation (``Conv2D(activation='relu')``)."""
    activation = graph.layer_of(cid).config.get("activation")
    if _is_activation(graph, cid) or activation in _NO_ACTIVATION:
        return graph.describe(cid)
    return f"{graph.describe(cid)} with activation={activation!r}"


def _resolution(spatial: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in spatial) if spatial else "(?)"
