"""Wrong submissions for 08_capstone: the mistakes students make when a model grows."""

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

ENCODER_WITHOUT_RELU = '''
def build_encoder(image_shape=(28, 28, 1), filters=8):
    pixels = keras.Input(shape=image_shape, name="pixels")
    x = layers.Conv2D(filters, 3, padding="same")(pixels)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(2 * filters, 3, padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    return keras.Model(pixels, layers.Flatten(name="features")(x))
'''

ENCODER_STRIDES_INSTEAD_OF_POOLING = '''
def build_encoder(image_shape=(28, 28, 1), filters=8):
    pixels = keras.Input(shape=image_shape, name="pixels")
    x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(pixels)
    x = layers.Conv2D(2 * filters, 3, strides=2, padding="same", activation="relu")(x)
    return keras.Model(pixels, layers.Flatten(name="features")(x))
'''

META_NOT_ADAPTED = _INPUTS.replace("    normalize.adapt(meta_train)\n", "") + '''
    encoder = build_encoder(image_shape, filters)
    merged = layers.Concatenate()([encoder(image), encoder(view), record])
''' + _HEADS

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="encoder_copied",
        replace={"build_capstone": ENCODER_COPIED},
        loses={
            "test_capstone_wiring": "Shared tower",
            "test_capstone_params": "Parameter count",
        },
        why="build_encoder is called once per photo: two encoders with their own weights",
    ),
    WrongSubmission(
        name="meta_never_merged",
        replace={"build_capstone": META_NEVER_MERGED},
        loses={
            "test_capstone_wiring": "input `meta` is never used",
            "test_capstone_params": "Parameter count",
        },
        why="`meta` is declared and normalised but left out of the Concatenate, so nothing "
        "connects it to the outputs",
    ),
    WrongSubmission(
        name="missing_output",
        replace={"build_capstone": MISSING_OUTPUT},
        loses={
            "test_capstone_interface": "missing `footwear`",
            "test_capstone_wiring": "Multiple outputs",
            "test_capstone_params": "Parameter count",
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
        name="encoder_without_relu",
        replace={"build_encoder": ENCODER_WITHOUT_RELU},
        loses={"test_build_encoder": "Constant-weight test"},
        why="the convolutions have no activation: same shapes and parameters, a linear encoder",
    ),
    WrongSubmission(
        name="encoder_strides_instead_of_pooling",
        replace={"build_encoder": ENCODER_STRIDES_INSTEAD_OF_POOLING},
        loses={"test_build_encoder": "Constant-weight test"},
        why="strided convolutions in place of MaxPooling2D: same shapes and parameters, another "
        "computation",
    ),
    WrongSubmission(
        name="meta_not_adapted",
        replace={"build_capstone": META_NOT_ADAPTED},
        loses={"test_capstone_params": "the layer was never adapted"},
        why="the Normalization layer is never adapted: it has the same weights, but they keep "
        "mean 0 and variance 1, so the records are not scaled at all",
    ),
]

# -- right answers in other styles ----------------------------------------------------------------

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
]
