"""Submissions for 03_multiple_outputs: the mistakes students make with several outputs, and right
answers with standalone activations, a nested trunk model, loss and metric objects, helpers."""

from tests.submissions import RightSubmission, WrongSubmission

_BUILD_HEAD = """
def build_multitask_model(input_shape=(28, 28), n_classes=10, trunk_units=64):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(image)
    x = layers.Dense(128, activation="relu")(x)
    trunk = layers.Dense(trunk_units, activation="relu", name="trunk")(x)
"""

ACTIVATIONS_SWAPPED = (
    _BUILD_HEAD
    + """
    category = layers.Dense(n_classes, activation="sigmoid", name="category")(trunk)
    footwear = layers.Dense(1, activation="softmax", name="footwear")(trunk)
    return keras.Model(image, {"category": category, "footwear": footwear})
"""
)

CHAINED_HEADS = (
    _BUILD_HEAD
    + """
    category = layers.Dense(n_classes, activation="softmax", name="category")(trunk)
    footwear = layers.Dense(1, activation="sigmoid", name="footwear")(category)
    return keras.Model(image, {"category": category, "footwear": footwear})
"""
)

MISSING_OUTPUT = (
    _BUILD_HEAD
    + """
    category = layers.Dense(n_classes, activation="softmax", name="category")(trunk)
    footwear = layers.Dense(1, activation="sigmoid", name="footwear")(trunk)
    return keras.Model(image, category)
"""
)

TRUNK_WITHOUT_HIDDEN_LAYER = """
def build_multitask_model(input_shape=(28, 28), n_classes=10, trunk_units=64):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(image)
    trunk = layers.Dense(trunk_units, activation="relu", name="trunk")(x)
    category = layers.Dense(n_classes, activation="softmax", name="category")(trunk)
    footwear = layers.Dense(1, activation="sigmoid", name="footwear")(trunk)
    return keras.Model(image, {"category": category, "footwear": footwear})
"""

LOSSES_AS_LIST = """
def compile_multitask(model, footwear_weight=0.5):
    model.compile(
        optimizer="adam",
        loss=["binary_crossentropy", "sparse_categorical_crossentropy"],
        loss_weights={"category": 1.0, "footwear": footwear_weight},
        metrics={"category": ["accuracy"], "footwear": ["accuracy", "auc"]},
    )
    return model
"""

ONE_METRICS_LIST = """
def compile_multitask(model, footwear_weight=0.5):
    model.compile(
        optimizer="adam",
        loss={"category": "sparse_categorical_crossentropy", "footwear": "binary_crossentropy"},
        loss_weights={"category": 1.0, "footwear": footwear_weight},
        metrics=["accuracy"],
    )
    return model
"""

WEIGHT_IGNORED = """
def compile_multitask(model, footwear_weight=0.5):
    model.compile(
        optimizer="adam",
        loss={"category": "sparse_categorical_crossentropy", "footwear": "binary_crossentropy"},
        loss_weights={"category": 1.0, "footwear": 0.5},
        metrics={"category": ["accuracy"], "footwear": ["accuracy", "auc"]},
    )
    return model
"""

WRONG_FOOTWEAR_CLASSES = """
def make_targets(labels):
    return {"category": labels, "footwear": (labels >= 5).astype("float32")}
"""

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="activations_swapped",
        why="sigmoid on the ten-class head and softmax on the one-unit yes/no head",
        replace={"build_multitask_model": ACTIVATIONS_SWAPPED},
        loses={"test_multitask_outputs": "softmax over one unit always outputs 1.0"},
    ),
    WrongSubmission(
        name="chained_heads",
        why="the footwear head is computed from the category probabilities, not the trunk",
        replace={"build_multitask_model": CHAINED_HEADS},
        loses={"test_multitask_branches": "is computed from output `category`"},
    ),
    WrongSubmission(
        name="missing_output",
        why="the footwear head is built but never returned from the model",
        replace={"build_multitask_model": MISSING_OUTPUT},
        loses={
            "test_multitask_outputs": "missing `footwear`",
            "test_multitask_branches": "your model has one output",
        },
        also_zero=("test_compile_multitask", "test_evaluate_per_output"),
    ),
    WrongSubmission(
        name="trunk_without_hidden_layer",
        why="the trunk skips its Dense(128): right names, shapes, activations and branch point",
        replace={"build_multitask_model": TRUNK_WITHOUT_HIDDEN_LAYER},
        loses={"test_multitask_branches": "Layers compared with the reference"},
    ),
    WrongSubmission(
        name="losses_as_list",
        why="losses given as a list in the order the student had in mind, not Keras's",
        replace={"compile_multitask": LOSSES_AS_LIST},
        loses={"test_compile_multitask": "a list (paired with outputs by position)"},
        also_zero=("test_evaluate_per_output",),
    ),
    WrongSubmission(
        name="one_metrics_list",
        why="the single-output habit metrics=['accuracy'] on a two-output model",
        replace={"compile_multitask": ONE_METRICS_LIST},
        loses={"test_compile_multitask": "Compile `metrics` by output name"},
        also_zero=("test_evaluate_per_output",),
    ),
    WrongSubmission(
        name="weight_ignored",
        why="the footwear weight is written as a number instead of using the argument",
        replace={"compile_multitask": WEIGHT_IGNORED},
        loses={"test_compile_multitask": "Loss weight of output `footwear`"},
    ),
    WrongSubmission(
        name="wrong_footwear_classes",
        why="every class from 5 up counted as footwear (bags and shirts included)",
        replace={"make_targets": WRONG_FOOTWEAR_CLASSES},
        loses={"test_make_targets": "sandals (5), sneakers (7) and ankle boots (9)"},
    ),
]

ACTIVATION_LAYERS = """
def build_multitask_model(input_shape=(28, 28), n_classes=10, trunk_units=64):
    image = keras.Input(shape=input_shape, name="image")
    x = image
    for layer in [layers.Flatten(), layers.Dense(128), layers.ReLU(), layers.Dense(trunk_units)]:
        x = layer(x)
    trunk = layers.ReLU()(x)
    category = layers.Activation("softmax")(layers.Dense(n_classes)(trunk))
    footwear = layers.Activation("sigmoid")(layers.Dense(1)(trunk))
    return keras.Model(inputs=image, outputs={"footwear": footwear, "category": category})
"""

TARGETS_BY_ISIN = """
def make_targets(labels):
    footwear = np.isin(labels, [5, 7, 9]).astype("float32")
    return {"footwear": footwear, "category": labels}
"""

NESTED_TRUNK_MODEL = """
def build_multitask_model(input_shape=(28, 28), n_classes=10, trunk_units=64):
    trunk = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(trunk_units, activation="relu"),
        ],
        name="trunk",
    )
    image = keras.Input(shape=input_shape, name="image")
    features = trunk(image)
    return keras.Model(
        image,
        {
            "category": layers.Dense(n_classes, activation="softmax")(features),
            "footwear": layers.Dense(1, activation="sigmoid")(features),
        },
    )
"""

COMPILE_WITH_OBJECTS = """
def compile_multitask(model, footwear_weight=0.5):
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss={
            "category": keras.losses.SparseCategoricalCrossentropy(),
            "footwear": keras.losses.BinaryCrossentropy(),
        },
        loss_weights=dict(category=1.0, footwear=footwear_weight),
        metrics={
            "category": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            "footwear": [
                keras.metrics.BinaryAccuracy(name="accuracy"),
                keras.metrics.AUC(name="auc"),
            ],
        },
    )
    return model
"""

HEADS_FROM_A_TABLE = """
def build_multitask_model(input_shape=(28, 28), n_classes=10, trunk_units=64):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(image)
    for units in (128, trunk_units):
        x = layers.Dense(units, activation="relu")(x)
    heads = {"category": (n_classes, "softmax"), "footwear": (1, "sigmoid")}
    outputs = {
        name: layers.Dense(units, activation=activation, name=name)(x)
        for name, (units, activation) in heads.items()
    }
    return keras.Model(image, outputs)
"""

TARGETS_BY_COMPARISONS = """
def make_targets(labels):
    flags = (labels == 5) | (labels == 7) | (labels == 9)
    return dict(category=labels, footwear=flags.astype("float32"))
"""

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="activation_layers",
        why="the trunk is a loop over layers with ReLU layers, each head a linear Dense followed "
        "by an Activation; the outputs dict and the targets dict list footwear first",
        replace={"build_multitask_model": ACTIVATION_LAYERS, "make_targets": TARGETS_BY_ISIN},
    ),
    RightSubmission(
        name="nested_trunk_and_objects",
        why="the trunk is a Sequential model called on the image; compile gets loss and metric "
        "objects (named, so that the report keeps the keys footwear_auc...)",
        replace={
            "build_multitask_model": NESTED_TRUNK_MODEL,
            "compile_multitask": COMPILE_WITH_OBJECTS,
        },
    ),
    RightSubmission(
        name="heads_from_a_table",
        why="trunk widths in a loop and the heads built by a dict comprehension from a table; "
        "targets from comparisons",
        replace={
            "build_multitask_model": HEADS_FROM_A_TABLE,
            "make_targets": TARGETS_BY_COMPARISONS,
        },
    ),
]
