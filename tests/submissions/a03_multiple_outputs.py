"""Submissions for 03_multiple_outputs: the mistakes students make with several outputs, and right
answers of other designs (a one-layer trunk, a nested convolutional trunk, deeper heads) and
styles (standalone activations, loss and metric objects, heads from a table)."""

from tests.submissions import RightSubmission, WrongSubmission

_BUILD_HEAD = """
def build_multitask_model(input_shape=(28, 28), n_classes=10):
    trunk_units = 64
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

TOO_BIG = """
def build_multitask_model(input_shape=(28, 28), n_classes=10):
    trunk_units = 64
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(image)
    trunk = layers.Dense(512, activation="relu", name="trunk")(x)
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

ONE_HOT_LOSS_FOR_CLASSES = """
def compile_multitask(model, footwear_weight=0.5):
    model.compile(
        optimizer="adam",
        loss={"category": "categorical_crossentropy", "footwear": "binary_crossentropy"},
        loss_weights={"category": 1.0, "footwear": footwear_weight},
        metrics={"category": ["accuracy"], "footwear": ["accuracy", "auc"]},
    )
    return model
"""

WRONG_FOOTWEAR_CLASSES = """
def make_targets(labels):
    return {"category": labels, "footwear": (labels >= 5).astype("float32")}
"""

LABELS_FOR_TWO_OUTPUTS = """
def train_multitask(model, images, labels, epochs):
    return model.fit(images, labels, epochs=epochs, validation_split=0.1, verbose=0)
"""

NO_VALIDATION = """
def train_multitask(model, images, labels, epochs):
    return model.fit(images, make_targets(labels), epochs=epochs, verbose=0)
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
        also_zero=("test_compile_multitask", "test_train_multitask"),
    ),
    WrongSubmission(
        name="too_big",
        why="a 512-unit trunk on the flattened pixels: over the size limit the task sets",
        replace={"build_multitask_model": TOO_BIG},
        loses={"test_multitask_branches": "at most 150,000 parameters"},
    ),
    WrongSubmission(
        name="losses_as_list",
        why="losses given as a list in the order the student had in mind, not Keras's",
        replace={"compile_multitask": LOSSES_AS_LIST},
        loses={"test_compile_multitask": "a list (paired with outputs by position)"},
        also_zero=("test_train_multitask",),
    ),
    WrongSubmission(
        name="one_metrics_list",
        why="the single-output habit metrics=['accuracy'] on a two-output model",
        replace={"compile_multitask": ONE_METRICS_LIST},
        loses={"test_compile_multitask": "Compile `metrics` by output name"},
        also_zero=("test_train_multitask",),
    ),
    WrongSubmission(
        name="one_hot_loss_for_classes",
        why="the category head gets the cross-entropy for one-hot rows; the labels are indices",
        replace={"compile_multitask": ONE_HOT_LOSS_FOR_CLASSES},
        loses={"test_compile_multitask": "sparse_categorical_crossentropy"},
        also_zero=("test_train_multitask",),
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
    WrongSubmission(
        name="labels_for_two_outputs",
        why="fit gets the class indices alone, not one target per output",
        replace={"train_multitask": LABELS_FOR_TWO_OUTPUTS},
        loses={"test_train_multitask": "Running your code"},
    ),
    WrongSubmission(
        name="no_validation",
        why="no validation split: the history has no held-out scores",
        replace={"train_multitask": NO_VALIDATION},
        loses={"test_train_multitask": "val_category_accuracy"},
    ),
]

ACTIVATION_LAYERS = """
def build_multitask_model(input_shape=(28, 28), n_classes=10):
    trunk_units = 64
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
def build_multitask_model(input_shape=(28, 28), n_classes=10):
    trunk = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Reshape(input_shape + (1,)),
            layers.Conv2D(8, 3, strides=2, activation="relu"),
            layers.GlobalAveragePooling2D(),
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
def build_multitask_model(input_shape=(28, 28), n_classes=10):
    trunk_units = 64
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(image)
    for units in (128, trunk_units):
        x = layers.Dense(units, activation="relu")(x)
    heads = {"category": (n_classes, "softmax"), "footwear": (1, "sigmoid")}
    outputs = {
        name: layers.Dense(units, activation=activation, name=name)(
            layers.Dense(16, activation="relu")(x)
        )
        for name, (units, activation) in heads.items()
    }
    return keras.Model(image, outputs)
"""

TARGETS_BY_COMPARISONS = """
def make_targets(labels):
    flags = (labels == 5) | (labels == 7) | (labels == 9)
    return dict(category=labels, footwear=flags.astype("float32"))
"""

ONE_LAYER_TRUNK = TOO_BIG.replace("Dense(512", "Dense(32")

TRAIN_WITH_VALIDATION_DATA = """
def train_multitask(model, images, labels, epochs):
    cut = int(len(images) * 0.9)
    targets = make_targets(labels)
    held_out = {name: target[cut:] for name, target in targets.items()}
    kept = {name: target[:cut] for name, target in targets.items()}
    return model.fit(
        images[:cut], kept, validation_data=(images[cut:], held_out), epochs=epochs, verbose=0
    )
"""

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="one_layer_trunk",
        why="another design: the trunk is one Dense(32) layer on the pixels; the validation "
        "part is cut by hand and passed as validation_data",
        replace={
            "build_multitask_model": ONE_LAYER_TRUNK,
            "train_multitask": TRAIN_WITH_VALIDATION_DATA,
        },
    ),
    RightSubmission(
        name="activation_layers",
        why="the trunk is a loop over layers with ReLU layers, each head a linear Dense followed "
        "by an Activation; the outputs dict and the targets dict list footwear first",
        replace={"build_multitask_model": ACTIVATION_LAYERS, "make_targets": TARGETS_BY_ISIN},
    ),
    RightSubmission(
        name="nested_trunk_and_objects",
        why="another design: a small convolutional trunk, as a Sequential model called on the "
        "image; compile gets loss and metric objects (named, so the keys stay footwear_auc...)",
        replace={
            "build_multitask_model": NESTED_TRUNK_MODEL,
            "compile_multitask": COMPILE_WITH_OBJECTS,
        },
    ),
    RightSubmission(
        name="heads_from_a_table",
        why="another design: each head has a hidden layer of its own; trunk widths in a loop, "
        "heads from a table by a dict comprehension; targets from comparisons",
        replace={
            "build_multitask_model": HEADS_FROM_A_TABLE,
            "make_targets": TARGETS_BY_COMPARISONS,
        },
    ),
]
