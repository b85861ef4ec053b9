"""How long the full set of graph checks takes on ResNet50 (target: under 1 s on 2 cores).

The TensorFlow import and building the model are excluded: they are paid once per grading
process, whatever the checks do. Run with `make benchmark`.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from autograder import reference_models as ref  # noqa: E402
from autograder.checks import (  # noqa: E402
    check_inputs,
    check_layer_settings,
    check_model_kind,
    check_output_activations,
    check_outputs,
    check_param_counts,
    check_residual_blocks,
    compare_to_reference,
)
from autograder.graph import ModelGraph  # noqa: E402
from autograder.report import graph_report  # noqa: E402


def all_checks(model, reference_graph) -> None:
    graph = ModelGraph.from_model(model)
    check_model_kind(model, "Functional")
    check_inputs(graph, {"image": (None, 64, 64, 3)})
    check_outputs(graph, {"class": (None, 6)})
    check_output_activations(graph, {"class": "softmax"})
    check_param_counts(graph, total=23_600_006, non_trainable=53_120)
    check_residual_blocks(graph, identity=12, projection=4, activation_after_merge=True)
    check_layer_settings(graph, "MaxPooling2D", pool_size=3, strides=2)
    compare_to_reference(graph, reference_graph)
    graph_report(graph)


def main() -> None:
    model = ref.resnet50_dls()
    reference_graph = ModelGraph.from_model(ref.resnet50_dls())
    times = []
    for _ in range(5):
        started = time.perf_counter()
        all_checks(model, reference_graph)
        times.append(time.perf_counter() - started)
    print(f"ResNet50 ({model.count_params():,} params, {len(model.layers)} layers)")
    print(f"full set of checks: median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s over {len(times)} runs "
          f"(target < 1 s, excluding the import and the build)")
    started = time.perf_counter()
    ModelGraph.from_model(model)
    print(f"  of which reading the graph: {time.perf_counter() - started:.3f} s")
    keras.utils.clear_session()


if __name__ == "__main__":
    main()
