"""The checks task authors use: ``from autograder import checks`` then ``checks.check_...``.

Every ``check_*`` raises :class:`autograder.errors.CheckFailure` with a message that teaches;
the plain functions beside them only describe a model and never fail. Hidden tests import from
here, never from the modules behind it, so the checks can be regrouped without touching a
notebook.

Behind it, one module per concept (interface, activations, content, residual, fusion, heads,
unet, parallel, shared, running, weights, siamese, compiling, extractor, preprocessing), all
reading one :class:`autograder.graph.ModelGraph`. A failing graph check carries
:class:`autograder.errors.Marks`: the calls and connections it judged, for a picture.
"""

from autograder.checks.activations import activation_name, check_output_activations
from autograder.checks.compiling import check_compiled_by_name, check_loss_fits_labels
from autograder.checks.content import check_layer_settings, compare_to_reference, layer_signatures
from autograder.checks.extractor import check_feature_extractor
from autograder.checks.fusion import check_multi_input_fusion
from autograder.checks.heads import check_output_branches, output_branches
from autograder.checks.interface import (
    check_inputs,
    check_model_kind,
    check_outputs,
    check_param_counts,
    graph_of,
)
from autograder.checks.parallel import check_parallel_branches
from autograder.checks.preprocessing import check_input_normalization
from autograder.checks.residual import check_residual_blocks, residual_merges
from autograder.checks.running import (
    block_model,
    check_builder,
    check_forward_pass,
    random_inputs,
    run_model,
)
from autograder.checks.shared import check_shared_layers, check_shared_tower
from autograder.checks.siamese import (
    check_contrastive_loss,
    check_contrastive_loss_values,
    check_no_lambda,
    check_siamese_distance,
    contrastive_cases,
)
from autograder.checks.unet import check_unet_filters, check_unet_skips, unet_skips
from autograder.checks.weights import (
    check_constant_weights,
    check_zero_weight_residual,
    constant_weights,
)
from autograder.errors import CheckFailure

__all__ = [
    "CheckFailure",
    "activation_name",
    "block_model",
    "check_builder",
    "check_compiled_by_name",
    "check_constant_weights",
    "check_contrastive_loss",
    "check_contrastive_loss_values",
    "check_feature_extractor",
    "check_forward_pass",
    "check_input_normalization",
    "check_inputs",
    "check_layer_settings",
    "check_loss_fits_labels",
    "check_model_kind",
    "check_multi_input_fusion",
    "check_no_lambda",
    "check_output_activations",
    "check_output_branches",
    "check_outputs",
    "check_parallel_branches",
    "check_param_counts",
    "check_residual_blocks",
    "check_shared_layers",
    "check_shared_tower",
    "check_siamese_distance",
    "check_unet_filters",
    "check_unet_skips",
    "check_zero_weight_residual",
    "compare_to_reference",
    "constant_weights",
    "contrastive_cases",
    "graph_of",
    "layer_signatures",
    "output_branches",
    "random_inputs",
    "residual_merges",
    "run_model",
    "unet_skips",
]
