"""Feature extractors: a model that returns an inner layer's output of another model.

``keras.Model(model.inputs, model.get_layer(layer_name).output)`` reuses the model's own
layers, so the extractor shares its weights and returns what that layer computes. Two
mistakes look right on the example: a layer name written into the function instead of the
one it is given, and new layers of the same shapes (fresh random weights).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.errors import CheckFailure, Marks
from autograder.graph import ModelGraph, as_graph


def check_feature_extractor(extractor: Any, model: Any, layer_name: str) -> ModelGraph:
    """``extractor`` returns the output of ``model``'s layer ``layer_name``, with its weights.

    Layer names are the student's (or the task's) own, never automatic ones, so they can be
    compared. Returns the extractor's graph.
    """
    graph = as_graph(extractor)
    source = as_graph(model)
    if source.output_named(layer_name) is None and not _has_layer(source, layer_name):
        raise ValueError(f"the model has no layer named {layer_name!r}")
    returned = [out.name for out in graph.outputs]
    if returned != [layer_name]:
        raise CheckFailure(
            "Feature extractor",
            f"the output of the layer it is given: `{layer_name}`",
            f"the extractor ignores the layer name it is given: it returns "
            f"{', '.join(f'`{name}`' for name in returned)} when asked for `{layer_name}`",
            "look the layer up by the name the function receives (a model finds its layers by "
            "name) instead of a name written into the function",
            Marks(
                calls=tuple(out.call for out in graph.outputs),
                note="the layer the extractor returns",
                graph=graph,
            ),
        )
    _require_same_weights(extractor, model)
    return graph


def _has_layer(graph: ModelGraph, name: str) -> bool:
    return any(path.rsplit("/", 1)[-1] == name for path in graph.layers)


def _require_same_weights(extractor: Any, model: Any) -> None:
    own = model.get_weights()
    if all(any(np.array_equal(w, v) for v in own) for w in extractor.get_weights()):
        return
    raise CheckFailure(
        "Feature extractor",
        "the classifier's own layers and weights",
        "the extractor's weights are not the classifier's: it has layers of its own, which "
        "start from new random weights",
        "build the extractor from the classifier's own input tensors and the output tensor of "
        "the layer you were given, so it shares the classifier's layers instead of creating "
        "new ones",
    )
