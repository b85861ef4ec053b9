"""Known answers for 08_capstone: the mistakes students make when a model grows, and right
answers of other designs."""

from tests.submissions import RightSubmission, WrongSubmission

_INPUTS = '''
def build_capstone(meta_train, image_shape=(28, 28, 1), n_classes=10, filters=8):
    image = keras.Input(shape=image_shape, name="image")
    view = keras.Input(shape=image_shape, name="view")
    meta = keras.Input(shape=(meta_train.shape[1],), name="meta")
    normalize = layers.Normalization()
    normalize.adapt(meta_train)
    record = layers.Dense(16, activation="relu")(normalize(meta))
'''

_HEADS = '''
    trunk = layers.Dense(64, activation="relu")(merged)
    category = layers.Dense(n_classes, activation="softmax", name="category")(trunk)
    footwear = layers.Dense(1, activation="sigmoid", name="footwear")(trunk)
    return keras.Model(
        {"image": image, "view": view, "meta": meta},
        {"category": category, "footwear": footwear},
    )
'''

ENCODER_COPIED = _INPUTS + '''
    image_features = build_encoder(image_shape, filters)(image)
    view_features = build_encoder(image_shape, filters)(view)
    merged = layers.Concatenate()([image_features, view_features, record])
''' + _HEADS

META_NEVER_MERGED = _INPUTS + '''
    encoder = build_encoder(image_shape, filters)
    merged = layers.Concatenate()([encoder(image), encoder(view)])
''' + _HEADS

MISSING_OUTPUT = _INPUTS + '''
    encoder = build_encoder(image_shape, filters)
    merged = layers.Concatenate()([encoder(image), encoder(view), record])
    trunk = layers.Dense(64, activation="relu")(merged)
    category = layers.Dense(n_classes, activation="softmax", name="category")(trunk)
    return keras.Model({"image": image, "view": view, "meta": meta}, {"category": category})
'''

FOOTWEAR_SOFTMAX = _INPUTS + '''
    encoder = build_encoder(image_shape, filters)
    merged = layers.Concatenate()([encoder(image), encoder(view), record])
    trunk = layers.Dense(64, activation="relu")(merged)
    category = layers.Dense(n_classes, activation="softmax", name="category")(trunk)
    footwear = layers.Dense(1, activation="softmax", name="footwear")(trunk)
    return keras.Model(
        {"image": image, "view": view, "meta": meta},
        {"category": category, "footwear": footwear},
    )
'''

LOSSES_AS_LIST = '''
def compile_capstone(model, footwear_weight=0.5):
    model.compile(
        optimizer="adam",
        loss=["sparse_categorical_crossentropy", "binary_crossentropy"],
        loss_weights={"category": 1.0, "footwear": footwear_weight},
        metrics={"category": ["accuracy"], "footwear": ["accuracy"]},
    )
    return model
'''

WEIGHT_HARD_CODED = '''
def compile_capstone(model, footwear_weight=0.5):
    model.compile(
        optimizer="adam",
        loss={"category": "sparse_categorical_crossentropy",
              "footwear": "binary_crossentropy"},
        loss_weights={"category": 1.0, "footwear": 0.5},
        metrics={"category": ["accuracy"], "footwear": ["accuracy"]},
    )
    return model
'''

ENCODER_NOT_FLAT = '''
def build_encoder(image_shape=(28, 28, 1), filters=8):
    pixels = keras.Input(shape=image_shape, name="pixels")
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(pixels)
    x = layers.MaxPooling2D(2)(x)
    features = layers.Conv2D(2 * filters, 3, padding="same", activation="relu", name="features")(x)
    return keras.Model(pixels, features)
'''

ENCODER_OVER_BUDGET = '''
def build_encoder(image_shape=(28, 28, 1), filters=8):
    pixels = keras.Input(shape=image_shape, name="pixels")
    x = layers.Conv2D(8 * filters, 3, padding="same", activation="relu")(pixels)
    x = layers.Conv2D(16 * filters, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(4)(x)
    return keras.Model(pixels, layers.Flatten(name="features")(x))
'''

ENCODER_FIXED_WIDTH = '''
def build_encoder(image_shape=(28, 28, 1), filters=8):
    pixels = keras.Input(shape=image_shape, name="pixels")
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(pixels)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    return keras.Model(pixels, layers.Flatten(name="features")(x))
'''

CAPSTONE_OVER_BUDGET = _INPUTS + '''
    encoder = build_encoder(image_shape, filters)
    merged = layers.Concatenate()([encoder(image), encoder(view), record])
    merged = layers.Dense(256, activation="relu")(merged)
''' + _HEADS

HEADS_SHARE_NOTHING = _INPUTS + '''
    encoder = build_encoder(image_shape, filters)
    merged = layers.Concatenate()([encoder(image), encoder(view), record])
    category = layers.Dense(n_classes, activation="softmax", name="category")(merged)
    footwear = layers.Dense(1, activation="sigmoid", name="footwear")(merged)
    return keras.Model(
        {"image": image, "view": view, "meta": meta},
        {"category": category, "footwear": footwear},
    )
'''

ONE_HOT_LOSS_FOR_INDICES = '''
def compile_capstone(model, footwear_weight=0.5):
    model.compile(
        optimizer="adam",
        loss={"category": "categorical_crossentropy", "footwear": "binary_crossentropy"},
        loss_weights={"category": 1.0, "footwear": footwear_weight},
        metrics={"category": ["accuracy"], "footwear": ["accuracy"]},
    )
    return model
'''

META_NOT_ADAPTED = _INPUTS.replace("    normalize.adapt(meta_train)\n", "") + '''
    encoder = build_encoder(image_shape, filters)
    merged = layers.Concatenate()([encoder(image), encoder(view), record])
''' + _HEADS

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="encoder_copied",
        replace={"build_capstone": ENCODER_COPIED},
        loses={"test_capstone_wiring": "Shared tower"},
        why="build_encoder is called once per photo: two encoders with their own weights",
    ),
    WrongSubmission(
        name="meta_never_merged",
        replace={"build_capstone": META_NEVER_MERGED},
        loses={
            "test_capstone_wiring": "input `meta` is never used",
            "test_capstone_params": "Normalization",
        },
        why="`meta` is declared and normalized but left out of the Concatenate, so nothing "
        "connects it to the outputs",
    ),
    WrongSubmission(
        name="missing_output",
        replace={"build_capstone": MISSING_OUTPUT},
        loses={
            "test_capstone_interface": "missing `footwear`",
            "test_capstone_wiring": "Multiple outputs",
            "test_capstone_forward": "Output names",
        },
        also_zero=("test_compile_capstone",),
        why="the footwear head is never returned: the model has one output",
    ),
    WrongSubmission(
        name="footwear_softmax",
        replace={"build_capstone": FOOTWEAR_SOFTMAX},
        loses={"test_capstone_interface": "softmax over one unit"},
        why="softmax on the one-unit footwear head always outputs 1.0",
    ),
    WrongSubmission(
        name="losses_as_list",
        replace={"compile_capstone": LOSSES_AS_LIST},
        loses={"test_compile_capstone": "a list"},
        why="losses listed in the order the student thinks of the heads; Keras pairs them with "
        "the outputs in sorted-name order",
    ),
    WrongSubmission(
        name="weight_hard_coded",
        replace={"compile_capstone": WEIGHT_HARD_CODED},
        loses={"test_compile_capstone": "Loss weight of output `footwear`"},
        why="the footwear weight is written as 0.5; only the hidden weight reveals it",
    ),
    WrongSubmission(
        name="encoder_not_flat",
        replace={"build_encoder": ENCODER_NOT_FLAT},
        loses={"test_build_encoder": "Shape of output"},
        also_zero=(
            "test_capstone_interface",
            "test_capstone_wiring",
            "test_capstone_params",
            "test_capstone_forward",
            "test_compile_capstone",
        ),
        why="the encoder returns its last feature maps, not one flat vector per image",
    ),
    WrongSubmission(
        name="encoder_over_budget",
        replace={"build_encoder": ENCODER_OVER_BUDGET},
        loses={"test_build_encoder": "over the parameter budget"},
        also_zero=("test_capstone_params",),
        why="64 and 128 filters at full resolution: 75,000 weights to read a 28x28 photo",
    ),
    WrongSubmission(
        name="encoder_fixed_width",
        replace={"build_encoder": ENCODER_FIXED_WIDTH},
        loses={"test_build_encoder": "ignores the argument"},
        why="the widths are written as 8 and 16: the default passes, another `filters` does not",
    ),
    WrongSubmission(
        name="capstone_over_budget",
        replace={"build_capstone": CAPSTONE_OVER_BUDGET},
        loses={"test_capstone_params": "over the parameter budget"},
        why="a 256-unit layer on the 1,584 merged features before the trunk: 400,000 weights",
    ),
    WrongSubmission(
        name="heads_share_nothing",
        replace={"build_capstone": HEADS_SHARE_NOTHING},
        loses={"test_capstone_wiring": "shared trunk"},
        why="both heads sit right on the merge: no layer with weights is shared by the two "
        "tasks",
    ),
    WrongSubmission(
        name="one_hot_loss_for_indices",
        replace={"compile_capstone": ONE_HOT_LOSS_FOR_INDICES},
        loses={"test_compile_capstone": "sparse_categorical_crossentropy"},
        why="categorical_crossentropy expects one-hot labels; the category labels are class "
        "indices",
    ),
    WrongSubmission(
        name="meta_not_adapted",
        replace={"build_capstone": META_NOT_ADAPTED},
        loses={"test_capstone_params": "the layer was never adapted"},
        why="the Normalization layer is never adapted: it has the same weights, but they keep "
        "mean 0 and variance 1, so the records are not scaled at all",
    ),
]

# -- right answers in other designs ----------------------------------------------------------------

ENCODER_LOOP_RELU_LAYERS = '''
def build_encoder(image_shape=(28, 28, 1), filters=8):
    pixels = keras.Input(image_shape, name="pixels")
    x = pixels
    for width in (filters, 2 * filters):
        x = layers.Conv2D(width, (3, 3), padding="same")(x)
        x = layers.Activation("relu")(x)
        x = layers.MaxPool2D()(x)
    return keras.Model(inputs=pixels, outputs=layers.Flatten(name="features")(x), name="encoder")
'''

CAPSTONE_COMPREHENSIONS = '''
def build_capstone(meta_train, image_shape=(28, 28, 1), n_classes=10, filters=8):
    photos = ("image", "view")
    inputs = {name: keras.Input(shape=image_shape, name=name) for name in photos}
    inputs["meta"] = keras.Input(shape=meta_train.shape[1:], name="meta")
    encoder = build_encoder(image_shape=image_shape, filters=filters)
    features = [encoder(inputs[name]) for name in photos]
    scaling = layers.Normalization(axis=-1)
    scaling.adapt(meta_train)
    record = layers.ReLU()(layers.Dense(16)(scaling(inputs["meta"])))
    merged = layers.concatenate(features + [record])
    trunk = layers.Activation("relu")(layers.Dense(64)(merged))
    outputs = {
        "category": layers.Dense(n_classes, activation="softmax", name="category")(trunk),
        "footwear": layers.Dense(1, activation="sigmoid", name="footwear")(trunk),
    }
    return keras.Model(inputs, outputs, name="capstone")
'''

COMPILE_WITH_OBJECTS = '''
def compile_capstone(model, footwear_weight=0.5):
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss={"footwear": keras.losses.BinaryCrossentropy(),
              "category": keras.losses.SparseCategoricalCrossentropy()},
        loss_weights={"footwear": footwear_weight, "category": 1.0},
        metrics={"footwear": [keras.metrics.BinaryAccuracy()],
                 "category": [keras.metrics.SparseCategoricalAccuracy()]},
    )
    return model
'''

CAPSTONE_ACTIVATION_HEADS = '''
def build_capstone(meta_train, image_shape=(28, 28, 1), n_classes=10, filters=8):
    meta = keras.Input(shape=(meta_train.shape[-1],), name="meta")
    view = keras.Input(shape=image_shape, name="view")
    image = keras.Input(shape=image_shape, name="image")
    shared_encoder = build_encoder(image_shape, filters)
    image_features = shared_encoder(image)
    view_features = shared_encoder(view)
    scaler = layers.Normalization()
    scaler.adapt(meta_train)
    meta_features = layers.Dense(16, activation="relu")(scaler(meta))
    fused = layers.Concatenate(axis=-1)([meta_features, view_features, image_features])
    hidden = layers.Dense(64, activation="relu")(fused)
    category = layers.Activation("softmax", name="category")(layers.Dense(n_classes)(hidden))
    footwear = layers.Activation("sigmoid", name="footwear")(layers.Dense(1)(hidden))
    return keras.Model(
        inputs={"meta": meta, "view": view, "image": image},
        outputs={"footwear": footwear, "category": category},
        name="capstone",
    )
'''

COMPILE_DICT_CALLS_AND_ALIASES = '''
def compile_capstone(model, footwear_weight=0.5):
    losses = dict(category="sparse_categorical_crossentropy", footwear="binary_crossentropy")
    weights = dict(category=1, footwear=footwear_weight)
    metrics = {name: ["acc"] for name in ("category", "footwear")}
    model.compile(optimizer="adam", loss=losses, loss_weights=weights, metrics=metrics)
    return model
'''

ENCODER_STRIDED_GLOBAL_POOL = '''
def build_encoder(image_shape=(28, 28, 1), filters=8):
    pixels = keras.Input(shape=image_shape, name="pixels")
    x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(pixels)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(2 * filters, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(4 * filters, 3, padding="same", activation="relu")(x)
    return keras.Model(pixels, layers.GlobalAveragePooling2D(name="features")(x))
'''

CAPSTONE_DEEPER_TRUNK = '''
def build_capstone(meta_train, image_shape=(28, 28, 1), n_classes=10, filters=8):
    image = keras.Input(shape=image_shape, name="image")
    view = keras.Input(shape=image_shape, name="view")
    meta = keras.Input(shape=(meta_train.shape[1],), name="meta")
    encoder = build_encoder(image_shape, filters)
    scale = layers.Normalization()
    scale.adapt(meta_train)
    record = layers.Dense(8, activation="relu")(scale(meta))
    record = layers.Dense(8, activation="relu")(record)
    x = layers.Concatenate()([encoder(image), encoder(view), record])
    x = layers.Dense(48, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    trunk = layers.Dense(32, activation="relu")(x)
    category = layers.Dense(n_classes, activation="softmax", name="category")(
        layers.Dense(32, activation="relu")(trunk))
    footwear = layers.Dense(1, activation="sigmoid", name="footwear")(trunk)
    return keras.Model(
        {"image": image, "view": view, "meta": meta},
        {"category": category, "footwear": footwear},
        name="capstone",
    )
'''

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="comprehensions_relu_layers_loss_objects",
        replace={
            "build_encoder": ENCODER_LOOP_RELU_LAYERS,
            "build_capstone": CAPSTONE_COMPREHENSIONS,
            "compile_capstone": COMPILE_WITH_OBJECTS,
        },
        why="an encoder built by a loop with Activation layers and MaxPool2D, inputs and "
        "features built by comprehensions, layers.concatenate, separate ReLU layers, and "
        "loss, metric and optimizer objects keyed in another order",
    ),
    RightSubmission(
        name="activation_heads_and_dict_calls",
        replace={
            "build_capstone": CAPSTONE_ACTIVATION_HEADS,
            "compile_capstone": COMPILE_DICT_CALLS_AND_ALIASES,
        },
        why="inputs declared in another order, the merge operands reversed, heads as a linear "
        "Dense plus an Activation layer carrying the output name, and compile arguments built "
        "with dict(...), an integer weight and the metric alias 'acc'",
    ),
    RightSubmission(
        name="strided_encoder_deeper_trunk",
        replace={
            "build_encoder": ENCODER_STRIDED_GLOBAL_POOL,
            "build_capstone": CAPSTONE_DEEPER_TRUNK,
        },
        why="another design: an encoder of strided convolutions, batch normalization and "
        "global pooling (32 features); a two-layer record branch, a two-layer trunk with "
        "Dropout, and a category head with a hidden layer of its own",
    ),
]
