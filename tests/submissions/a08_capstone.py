"""Wrong submissions for 08_capstone: the mistakes students make when a model grows."""

from tests.submissions import WrongSubmission

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
]
