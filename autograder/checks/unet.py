"""U-Net skips: one Concatenate per encoder level, joining equal resolutions, taken before pooling.

Levels are read from how each call changes the spatial size, never from class names, so
pooling, strided convs, ``UpSampling2D`` + ``Conv2D`` and ``Conv2DTranspose`` all count. A fully
convolutional model whose input has unknown height and width (``(None, None, C)``) is read
the same way: sizes are then relative to the input (``1/2`` of it), from each layer's strides.

Failures mark the merge at fault and the skip that feeds it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from math import prod
from typing import Any

from autograder.checks.wording import count, described
from autograder.errors import CheckFailure, Marks
from autograder.graph import Call, ModelGraph, as_graph

# A spatial size: in pixels (ints), or relative to the input (Fractions) when that is unknown.
Size = tuple[int | Fraction, ...]

_SHRINK_BY_STRIDES = ("Conv", "SeparableConv", "DepthwiseConv", "MaxPooling", "AveragePooling")
_GROW_BY_STRIDES = ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")


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
    resolution: Size
    decoder_resolution: Size
    after_downsampling: bool
    feeds_downsampling: bool


# -- sizes ----------------------------------------------------------------------------------------


def spatial_sizes(graph: ModelGraph) -> dict[str, Size]:
    """The spatial size of every call with one, in pixels when the graph knows them all.

    Otherwise each size is relative to the input: a pooling or a strided conv divides it by
    its strides, ``UpSampling2D`` and ``Conv2DTranspose`` multiply it, other layers keep
    their first input's.
    """
    known = {cid: s for cid in graph.order() if (s := _known_size(graph, cid)) is not None}
    spatial = [cid for cid in graph.order() if _rank(graph, cid) >= 3]
    if all(cid in known for cid in spatial):
        return known
    sizes: dict[str, Size] = {}
    for cid in spatial:
        call = graph.calls[cid]
        axes = _rank(graph, cid) - 2
        parent = next((sizes[p] for p in call.inputs if p in sizes), None)
        if parent is None or len(parent) != axes:
            sizes[cid] = (Fraction(1),) * axes
        else:
            sizes[cid] = tuple(d * f for d, f in zip(parent, _scale(graph, cid, axes), strict=True))
    return sizes


def _rank(graph: ModelGraph, cid: str) -> int:
    shape = graph.calls[cid].shape
    return 0 if shape is None else len(shape)


def _known_size(graph: ModelGraph, cid: str) -> Size | None:
    shape = graph.calls[cid].shape
    if shape is None or len(shape) < 3 or any(d is None for d in shape[1:-1]):
        return None
    return tuple(int(d) for d in shape[1:-1])  # type: ignore[arg-type]


def _scale(graph: ModelGraph, cid: str, axes: int) -> tuple[Fraction, ...]:
    """How a layer changes the spatial size, from its settings alone."""
    call = graph.calls[cid]
    config = graph.layer_of(cid).config
    name = call.class_name
    if name.startswith("UpSampling"):
        return tuple(Fraction(s) for s in _per_axis(config.get("size", 2), axes))
    if name in _GROW_BY_STRIDES:
        return tuple(Fraction(s) for s in _per_axis(config.get("strides", 1), axes))
    if name.startswith(_SHRINK_BY_STRIDES):
        strides = config.get("strides") or config.get("pool_size") or 1
        return tuple(Fraction(1, s) for s in _per_axis(strides, axes))
    return (Fraction(1),) * axes


def _per_axis(value: Any, axes: int) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),) * axes


def _area(sizes: dict[str, Size], cid: str) -> Fraction | None:
    return prod(sizes[cid]) if cid in sizes else None


def is_downsampling(graph: ModelGraph, sizes: dict[str, Size], cid: str) -> bool:
    """The call's output is at most half its input's size along some spatial axis."""
    call = graph.calls[cid]
    if not call.inputs or cid not in sizes or call.inputs[0] not in sizes:
        return False
    before, after = sizes[call.inputs[0]], sizes[cid]
    if len(before) != len(after):
        return False
    pairs = list(zip(after, before, strict=True))
    return all(a <= b for a, b in pairs) and any(a < b and 2 * a <= b + 1 for a, b in pairs)


def _feeds_downsampling(graph: ModelGraph, sizes: dict[str, Size], cid: str) -> bool:
    """``cid`` is down-sampled next, directly or through shape-preserving calls (Dropout)."""
    shape = graph.calls[cid].shape
    stack, seen = list(graph.children(cid)), set()
    while stack:
        child = stack.pop()
        if child in seen:
            continue
        seen.add(child)
        if is_downsampling(graph, sizes, child):
            return True
        if graph.calls[child].shape == shape and len(graph.calls[child].inputs) == 1:
            stack.extend(graph.children(child))
    return False


def resolution(size: Size) -> str:
    """'32x32' in pixels; 'input size/2' when the input's size is unknown."""
    if not size:
        return "(?)"
    if not any(isinstance(d, Fraction) for d in size):
        return "x".join(str(d) for d in size)
    parts = [_relative(d) for d in size]
    return parts[0] if len(set(parts)) == 1 else "x".join(parts)


def _relative(factor: Fraction | int) -> str:
    if factor == 1:
        return "input size"
    return f"input size/{1 / factor}" if factor < 1 else f"input size*{factor}"


# -- finding the skips ----------------------------------------------------------------------------


def unet_skips(model_or_graph: Any) -> list[UNetSkip]:
    """Concatenates that bring an encoder tensor to a decoder tensor that went down and back.

    The skip is the last tensor both operands share; the decoder operand reached the merge
    through a lower resolution.
    """
    graph = as_graph(model_or_graph)
    sizes = spatial_sizes(graph)
    return _skips(graph, sizes)


def _skips(graph: ModelGraph, sizes: dict[str, Size]) -> list[UNetSkip]:
    return [
        UNetSkip(
            merge.id,
            skip,
            decoder,
            sizes.get(skip, ()),
            sizes.get(decoder, ()),
            is_downsampling(graph, sizes, skip),
            _feeds_downsampling(graph, sizes, skip),
        )
        for merge in graph.calls_of_class("Concatenate")
        for skip, decoder in _level_crossings(graph, sizes, merge)
    ]


def _level_crossings(
    graph: ModelGraph, sizes: dict[str, Size], merge: Call
) -> list[tuple[str, str]]:
    """(shared tensor, decoder operand) pairs: one operand went down a level and back up.

    The other operand stays at the shared tensor's level: it is the tensor itself in a U-Net,
    or a light transform of it (a 1x1 conv before a sum). Branches that both go down (a
    strided residual block) do not cross levels.
    """
    pairs: list[tuple[str, str]] = []
    for decoder in merge.inputs:
        for other in merge.inputs:
            fork = graph.fork(decoder, other) if other != decoder else None
            if fork is None:
                continue
            crossing = (fork, decoder)
            if (
                crossing not in pairs
                and _dips_below(graph, sizes, fork, decoder)
                and not _dips_below(graph, sizes, fork, other)
            ):
                pairs.append(crossing)
    return pairs


def _dips_below(graph: ModelGraph, sizes: dict[str, Size], start: str, end: str) -> bool:
    """Some call between ``start`` and ``end`` has a smaller spatial size than ``start``."""
    size = _area(sizes, start)
    if size is None:
        return False
    return any((_area(sizes, c) or size) < size for c in graph.between(start, end))


def _downsampling_levels(graph: ModelGraph, sizes: dict[str, Size]) -> dict[Size, str]:
    """Each resolution the encoder halves, with the call that halves it."""
    levels: dict[Size, str] = {}
    for cid in graph.order():
        if is_downsampling(graph, sizes, cid):
            levels.setdefault(sizes[graph.calls[cid].inputs[0]], cid)
    return levels


# -- the check ------------------------------------------------------------------------------------


def check_unet_skips(model_or_graph: Any, levels: int | None = None) -> list[UNetSkip]:
    """One Concatenate skip per encoder level, pairing equal resolutions, taken before pooling.

    ``levels`` is the number of down-sampling levels the task asks for; if ``None`` every
    resolution at which the encoder down-samples must have its skip.
    """
    graph = as_graph(model_or_graph)
    sizes = spatial_sizes(graph)
    skips = _skips(graph, sizes)
    if not skips:
        raise _no_unet_skip(graph, sizes)
    for skip in skips:
        _check_one_skip(graph, skip)
    _check_one_skip_per_level(graph, sizes, skips, levels)
    return skips


_UNET_EXPECTED = (
    "one Concatenate per level joining the encoder's feature map (before pooling) to the "
    "up-sampled decoder tensor of the same resolution"
)


def _no_unet_skip(graph: ModelGraph, sizes: dict[str, Size]) -> CheckFailure:
    added = [m for m in graph.calls_of_class("Add", "Average") if _level_crossings(graph, sizes, m)]
    if added:
        return CheckFailure(
            "U-Net skips",
            _UNET_EXPECTED,
            f"{added[0].class_name} where a concatenation is asked: the encoder's features are "
            f"added to the decoder ({described(graph, [m.id for m in added])}), not "
            "concatenated",
            "a U-Net keeps the encoder's channels next to the decoder's: use "
            "`layers.Concatenate(axis=-1)([up, skip])` in place of the Add",
            Marks(
                calls=tuple(m.id for m in added),
                note="Add where a concatenation is asked",
                graph=graph,
            ),
        )
    residuals = [merge for merge in graph.merges() if merge.class_name == "Add"]
    if residuals:
        return CheckFailure(
            "U-Net skips",
            _UNET_EXPECTED,
            f"no encoder feature map reaches the decoder; the model only adds "
            f"{count(len(residuals), 'residual')} (Add) inside its encoder and decoder blocks",
            "that is a residual encoder-decoder ('U-Net-like'), not a U-Net: a residual inside "
            "a block stays at that block's resolution and carries nothing across the "
            "bottleneck. Keep each encoder level's output before pooling and concatenate it "
            "with the decoder tensor at the same resolution",
            Marks(calls=tuple(m.id for m in residuals), note="residuals, no skip", graph=graph),
        )
    return CheckFailure(
        "U-Net skips",
        _UNET_EXPECTED,
        "no skip connection: everything the decoder sees went through the bottleneck",
        "have `conv_block` return the tensor before pooling as the skip, and in each "
        "`upsampling_block` concatenate it with the up-sampled tensor",
        Marks(note="no skip connection", graph=graph),
    )


def _skip_marks(graph: ModelGraph, skip: UNetSkip, note: str, **extra: Any) -> Marks:
    """The merge, the skip tensor and the connection that brings it to the merge."""
    fed = tuple((op, skip.merge) for op in graph.calls[skip.merge].inputs if op != skip.decoder)
    return Marks(calls=(skip.merge, skip.skip), edges=fed, note=note, graph=graph, **extra)


def _check_one_skip(graph: ModelGraph, skip: UNetSkip) -> None:
    where = f"{graph.describe(skip.merge)} joins {described(graph, [skip.skip])}"
    if skip.resolution != skip.decoder_resolution:
        raise CheckFailure(
            "U-Net skips",
            "each skip joined to a decoder tensor of the same resolution",
            f"{where} ({resolution(skip.resolution)}) with "
            f"{described(graph, [skip.decoder])} ({resolution(skip.decoder_resolution)})",
            "up-sample the decoder tensor to the skip's size before concatenating",
            _skip_marks(graph, skip, "a skip joined at another resolution"),
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
            _skip_marks(
                graph,
                skip,
                "the skip is taken after pooling",
                missing_edges=((parent, skip.merge),),
            ),
        )
    if not skip.feeds_downsampling:
        raise CheckFailure(
            "U-Net skips",
            "skips taken from the tensor each encoder level down-samples",
            f"{where}, which is not the tensor the encoder then down-samples",
            "use as skip the conv block's output, the same tensor you pass to MaxPooling2D",
            _skip_marks(graph, skip, "the skip is not what the encoder pools"),
        )


def _check_one_skip_per_level(
    graph: ModelGraph, sizes: dict[str, Size], skips: list[UNetSkip], levels: int | None
) -> None:
    per_level = Counter(skip.resolution for skip in skips)
    doubled = [res for res, n in per_level.items() if n > 1]
    if doubled:
        raise CheckFailure(
            "U-Net skips",
            "one skip per level",
            f"{per_level[doubled[0]]} skips at level {resolution(doubled[0])}",
            "concatenate each encoder level's output once, in the decoder block of the same "
            "resolution",
            Marks(
                calls=tuple(s.merge for s in skips if s.resolution == doubled[0]),
                note="two skips at one level",
                graph=graph,
            ),
        )
    down = _downsampling_levels(graph, sizes)
    missing = sorted(set(down) - set(per_level), key=prod, reverse=True)
    if (levels is None or len(skips) != levels) and missing:
        raise CheckFailure(
            "U-Net skips",
            f"{count(levels, 'skip')}, one per level" if levels else "a skip at every level",
            f"{count(len(skips), 'skip')}; no skip at level "
            f"{', '.join(resolution(r) for r in missing)}",
            "every level where the encoder pools needs its skip into the decoder block of the "
            "same resolution",
            Marks(
                calls=tuple(graph.calls[down[r]].inputs[0] for r in missing),
                note="a level without its skip",
                graph=graph,
            ),
        )
    if levels is not None and len(skips) != levels:
        raise CheckFailure(
            "U-Net skips",
            f"{count(levels, 'skip')}, one per level",
            f"{count(len(skips), 'skip')} at "
            f"{', '.join(resolution(s.resolution) for s in skips)}",
            f"the task's U-Net has {count(levels, 'level')}: down-sample that many times and "
            "bring each level's skip back",
            Marks(calls=tuple(s.merge for s in skips), note="the skips found", graph=graph),
        )


# -- filters per level ----------------------------------------------------------------------------


def check_unet_filters(model_or_graph: Any, first: int | None = None) -> list[int]:
    """The encoder doubles its filters at each level down: ``first``, 2 x ``first``, ...

    Halving the resolution keeps a quarter of the positions; doubling the channels keeps the
    level's capacity. Read from the skip tensors' channels, top level first; ``first`` pins the
    top level's (the first level's own when ``None``). Returns the channels found.
    """
    graph = as_graph(model_or_graph)
    sizes = spatial_sizes(graph)
    skips = sorted(_skips(graph, sizes), key=lambda s: prod(s.resolution), reverse=True)
    if not skips:
        raise _no_unet_skip(graph, sizes)
    channels = [_channels(graph, s.skip) for s in skips]
    start = first if first is not None else channels[0]
    wanted = [start * 2**level for level in range(len(channels))]
    if channels == wanted:
        return channels
    where = ", ".join(
        f"{c} at {resolution(s.resolution)}" for c, s in zip(channels, skips, strict=True)
    )
    if len(set(channels)) == 1:
        found = f"constant filters where a U-Net doubles them: {where}"
    else:
        found = f"filters {where}"
    raise CheckFailure(
        "U-Net filters",
        "filters doubling at each level down: " + ", ".join(map(str, wanted)),
        found,
        "each time the encoder halves the resolution, double the filters of the next "
        "conv_block (`n_filters * 2**level`); the decoder then halves them on the way up",
        Marks(calls=tuple(s.skip for s in skips), note="filters per level", graph=graph),
    )


def _channels(graph: ModelGraph, cid: str) -> int | None:
    shape = graph.calls[cid].shape
    return shape[-1] if shape else None
