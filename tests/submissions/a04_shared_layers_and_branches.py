"""Submissions for 04_shared_layers_and_branches: copies where sharing was asked for, towers in
sequence instead of side by side, an autoencoder that rebuilds its encoder; and right answers of
other designs (a deeper tower met by a difference, three or five towers, a convolutional
encoder) and styles (dict inputs, a conv helper with ReLU layers, Sequential sub-models)."""

from tests.submissions import RightSubmission, WrongSubmission

MATCHER_WITH_COPIES = """
def build_matcher(n_features=16):
    embed_units = 8
    query = keras.Input(shape=(n_features,), name="query")
    candidate = keras.Input(shape=(n_features,), name="candidate")
    a = layers.Dense(embed_units, activation="relu")(query)
    b = layers.Dense(embed_units, activation="relu")(candidate)
    both = layers.Concatenate()([a, b])
    match = layers.Dense(1, activation="sigmoid", name="match")(both)
    return keras.Model([query, candidate], match)
"""

QUERY_EMBEDDED_TWICE = """
def build_matcher(n_features=16):
    embed_units = 8
    query = keras.Input(shape=(n_features,), name="query")
    candidate = keras.Input(shape=(n_features,), name="candidate")
    embed = layers.Dense(embed_units, activation="relu")
    both = layers.Concatenate()([embed(query), embed(query)])
    match = layers.Dense(1, activation="sigmoid", name="match")(both)
    return keras.Model([query, candidate], match)
"""

MATCH_WITHOUT_SIGMOID = """
def build_matcher(n_features=16):
    embed_units = 8
    query = keras.Input(shape=(n_features,), name="query")
    candidate = keras.Input(shape=(n_features,), name="candidate")
    embed = layers.Dense(embed_units, activation="relu")
    both = layers.Concatenate()([embed(query), embed(candidate)])
    match = layers.Dense(1, name="match")(both)
    return keras.Model([query, candidate], match)
"""

MATCHER_TOO_BIG = """
def build_matcher(n_features=16):
    embed_units = 8
    query = keras.Input(shape=(n_features,), name="query")
    candidate = keras.Input(shape=(n_features,), name="candidate")
    embed = layers.Dense(64, activation="relu")
    both = layers.Concatenate()([embed(query), embed(candidate)])
    match = layers.Dense(1, activation="sigmoid", name="match")(both)
    return keras.Model([query, candidate], match)
"""

TOWERS_IN_SEQUENCE = """
def inception_block(x, filters):
    t1 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 1, activation="relu")(t1)
    t3 = layers.Conv2D(filters, 3, padding="same", activation="relu")(t3)
    t5 = layers.Conv2D(filters, 1, activation="relu")(t3)
    t5 = layers.Conv2D(filters, 5, padding="same", activation="relu")(t5)
    tp = layers.MaxPooling2D(3, strides=1, padding="same")(t5)
    tp = layers.Conv2D(filters, 1, activation="relu")(tp)
    return layers.Concatenate()([t1, t3, t5, tp])
"""

POOL_WITHOUT_PROJECTION = """
def inception_block(x, filters):
    t1 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 3, padding="same", activation="relu")(t3)
    t5 = layers.Conv2D(filters, 1, activation="relu")(x)
    t5 = layers.Conv2D(filters, 5, padding="same", activation="relu")(t5)
    tp = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    return layers.Concatenate()([t1, t3, t5, tp])
"""

VALID_PADDING = """
def inception_block(x, filters):
    t1 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 3, activation="relu")(t3)
    t5 = layers.Conv2D(filters, 1, activation="relu")(x)
    t5 = layers.Conv2D(filters, 5, activation="relu")(t5)
    tp = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    tp = layers.Conv2D(filters, 1, activation="relu")(tp)
    return layers.Concatenate()([t1, t3, t5, tp])
"""

CONV_BEFORE_POOL = """
def inception_block(x, filters):
    t1 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 3, padding="same", activation="relu")(t3)
    t5 = layers.Conv2D(filters, 1, activation="relu")(x)
    t5 = layers.Conv2D(filters, 5, padding="same", activation="relu")(t5)
    tp = layers.Conv2D(filters, 1, activation="relu")(x)
    tp = layers.MaxPooling2D(3, strides=1, padding="same")(tp)
    return layers.Concatenate()([t1, t3, t5, tp])
"""

LINEAR_REDUCTIONS = """
def inception_block(x, filters):
    t1 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 1)(x)
    t3 = layers.Conv2D(filters, 3, padding="same", activation="relu")(t3)
    t5 = layers.Conv2D(filters, 1)(x)
    t5 = layers.Conv2D(filters, 5, padding="same", activation="relu")(t5)
    tp = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    tp = layers.Conv2D(filters, 1, activation="relu")(tp)
    return layers.Concatenate()([t1, t3, t5, tp])
"""

_ENCODER = """
def build_autoencoder(input_shape=(28, 28), code_size=16):
    image = keras.Input(shape=input_shape, name="image")
    h = layers.Flatten()(image)
    h = layers.Dense(64, activation="relu")(h)
    code = layers.Dense(code_size, name="code")(h)
    encoder = keras.Model(image, code, name="encoder")
"""

AUTOENCODER_WITH_COPIED_ENCODER = (
    _ENCODER
    + """
    ae_image = keras.Input(shape=input_shape, name="image")
    h = layers.Flatten()(ae_image)
    h = layers.Dense(64, activation="relu")(h)
    h = layers.Dense(code_size)(h)
    h = layers.Dense(64, activation="relu")(h)
    h = layers.Dense(int(np.prod(input_shape)), activation="sigmoid")(h)
    reconstruction = layers.Reshape(input_shape, name="reconstruction")(h)
    return encoder, keras.Model(ae_image, reconstruction, name="autoencoder")
"""
)

AUTOENCODER_LINEAR_OUTPUT = """
def build_autoencoder(input_shape=(28, 28), code_size=16):
    image = keras.Input(shape=input_shape, name="image")
    h = layers.Flatten()(image)
    h = layers.Dense(64, activation="relu")(h)
    code = layers.Dense(code_size, name="code")(h)
    encoder = keras.Model(image, code, name="encoder")

    ae_image = keras.Input(shape=input_shape, name="image")
    h = layers.Dense(64, activation="relu")(encoder(ae_image))
    h = layers.Dense(int(np.prod(input_shape)))(h)
    reconstruction = layers.Reshape(input_shape, name="reconstruction")(h)
    return encoder, keras.Model(ae_image, reconstruction, name="autoencoder")
"""

AUTOENCODER_FLAT_OUTPUT = (
    _ENCODER
    + """
    ae_image = keras.Input(shape=input_shape, name="image")
    h = layers.Dense(64, activation="relu")(encoder(ae_image))
    reconstruction = layers.Dense(int(np.prod(input_shape)), activation="sigmoid",
                                  name="reconstruction")(h)
    return encoder, keras.Model(ae_image, reconstruction, name="autoencoder")
"""
)

AUTOENCODER_TOO_BIG = """
def build_autoencoder(input_shape=(28, 28), code_size=16):
    image = keras.Input(shape=input_shape, name="image")
    h = layers.Dense(512, activation="relu")(layers.Flatten()(image))
    encoder = keras.Model(image, layers.Dense(code_size)(h), name="encoder")

    ae_image = keras.Input(shape=input_shape, name="image")
    h = layers.Dense(512, activation="relu")(encoder(ae_image))
    h = layers.Dense(int(np.prod(input_shape)), activation="sigmoid")(h)
    return encoder, keras.Model(ae_image, layers.Reshape(input_shape)(h))
"""

TWO_TOWERS = """
def inception_block(x, filters):
    t1 = layers.Conv2D(filters, 1, activation="relu")(x)
    t3 = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return layers.Concatenate()([t1, t3])
"""

ONE_BY_ONE_ONLY = """
def inception_block(x, filters):
    t1 = layers.Conv2D(filters, 1, activation="relu")(x)
    t2 = layers.Conv2D(filters, 1, activation="relu")(x)
    tp = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    tp = layers.Conv2D(filters, 1, activation="relu")(tp)
    return layers.Concatenate()([t1, t2, tp])
"""

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="matcher_with_copies",
        why="two Dense layers with the same settings, one per input: a copy, not a shared layer",
        replace={"build_matcher": MATCHER_WITH_COPIES},
        loses={"test_build_matcher": "its own copy of the weights"},
    ),
    WrongSubmission(
        name="query_embedded_twice",
        why="the shared layer is called twice on `query`: `candidate` is declared but unused",
        replace={"build_matcher": QUERY_EMBEDDED_TWICE},
        loses={"test_build_matcher": "input `candidate` is never used"},
    ),
    WrongSubmission(
        name="match_without_sigmoid",
        why="the `match` output has no activation: it gives a score, not a probability",
        replace={"build_matcher": MATCH_WITHOUT_SIGMOID},
        loses={"test_build_matcher": "a linear output gives logits"},
    ),
    WrongSubmission(
        name="matcher_too_big",
        why="a 64-unit encoder: over the size limit the few labeled pairs allow",
        replace={"build_matcher": MATCHER_TOO_BIG},
        loses={"test_build_matcher": "at most 1,000 parameters"},
    ),
    WrongSubmission(
        name="two_towers",
        why="only a 1x1 and a 3x3 tower: no pooling tower, fewer than three towers",
        replace={"inception_block": TWO_TOWERS},
        loses={"test_inception_block": "at least three towers"},
    ),
    WrongSubmission(
        name="one_by_one_only",
        why="three towers side by side, but every convolution is 1x1: one scale only",
        replace={"inception_block": ONE_BY_ONE_ONLY},
        loses={"test_inception_block": "at least one window of 3x3 or more"},
    ),
    WrongSubmission(
        name="towers_in_sequence",
        why="each tower starts from the previous tower's output instead of from x",
        replace={"inception_block": TOWERS_IN_SEQUENCE},
        loses={"test_inception_block": "is computed from the output of branch 1"},
    ),
    WrongSubmission(
        name="pool_without_projection",
        why="the pooling tower passes the input's channels through without its 1x1 conv",
        replace={"inception_block": POOL_WITHOUT_PROJECTION},
        loses={"test_inception_block": "Shape of the output"},
    ),
    WrongSubmission(
        name="valid_padding",
        why="3x3 and 5x5 convolutions without padding='same' shrink their towers",
        replace={"inception_block": VALID_PADDING},
        loses={"test_inception_block": "matching shapes"},
    ),
    WrongSubmission(
        name="conv_before_pool",
        why="the pooling tower projects x with its 1x1 conv first and pools afterwards",
        replace={"inception_block": CONV_BEFORE_POOL},
        loses={"test_inception_block": "none applied to x"},
    ),
    WrongSubmission(
        name="linear_reductions",
        why="the 1x1 convolutions in front of the 3x3 and 5x5 convolutions have no activation",
        replace={"inception_block": LINEAR_REDUCTIONS},
        loses={"test_inception_block": 'pass activation="relu" to each Conv2D'},
    ),
    WrongSubmission(
        name="autoencoder_with_copied_encoder",
        why="the autoencoder creates the encoder's layers again instead of calling `encoder`",
        replace={"build_autoencoder": AUTOENCODER_WITH_COPIED_ENCODER},
        loses={"test_autoencoder_reuses_encoder": "it uses a copy of the encoder's layers"},
    ),
    WrongSubmission(
        name="autoencoder_linear_output",
        why="the last Dense layer has no activation: pixels outside [0, 1] can come out",
        replace={"build_autoencoder": AUTOENCODER_LINEAR_OUTPUT},
        loses={"test_autoencoder_shapes": "sigmoid"},
    ),
    WrongSubmission(
        name="autoencoder_too_big",
        why="512-unit layers on both sides: over the size limit",
        replace={"build_autoencoder": AUTOENCODER_TOO_BIG},
        loses={"test_autoencoder_shapes": "at most 250,000 parameters"},
    ),
    WrongSubmission(
        name="autoencoder_flat_output",
        why="the reconstruction is left as a flat vector of pixels, not reshaped to the image",
        replace={"build_autoencoder": AUTOENCODER_FLAT_OUTPUT},
        loses={"test_autoencoder_shapes": "Shape of the output"},
    ),
]

MATCHER_DICT_INPUTS = """
def build_matcher(n_features=16):
    embed_units = 8
    embed = layers.Dense(embed_units, activation="relu")
    judge = layers.Dense(1, activation="sigmoid", name="match")
    inputs = {name: keras.Input(shape=(n_features,), name=name) for name in ("query", "candidate")}
    joined = layers.concatenate([embed(inputs["query"]), embed(inputs["candidate"])])
    return keras.Model(inputs=inputs, outputs=judge(joined))
"""

MATCHER_TOWER_MODEL = """
def build_matcher(n_features=16):
    tower = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            layers.Dense(12, activation="relu"),
            layers.Dense(6, activation="tanh"),
        ],
        name="tower",
    )
    query = keras.Input(shape=(n_features,), name="query")
    candidate = keras.Input(shape=(n_features,), name="candidate")
    both = layers.Subtract()([tower(query), tower(candidate)])
    match = layers.Dense(1, activation="sigmoid", name="match")(both)
    return keras.Model([query, candidate], match)
"""

BLOCK_WITH_CONV_HELPER = """
def inception_block(x, filters):
    def conv(t, size):
        t = layers.Conv2D(filters, size, padding="same")(t)
        return layers.ReLU()(t)

    pooled = layers.AveragePooling2D(pool_size=3, strides=1, padding="same")(x)
    towers = [conv(x, 1), conv(conv(x, 1), 3), conv(pooled, 1)]
    return layers.concatenate(towers, axis=-1)
"""

BLOCK_FROM_TOWER_LISTS = """
def inception_block(x, filters):
    towers = [
        [layers.Conv2D(filters, 1, activation="relu")],
        [layers.Conv2D(filters, 1, activation="relu"),
         layers.Conv2D(filters, 3, padding="same", activation="relu")],
        [layers.Conv2D(filters, 1, activation="relu"),
         layers.Conv2D(filters, 5, padding="same", activation="relu")],
        [layers.MaxPooling2D(3, strides=1, padding="same"),
         layers.Conv2D(filters, 1, activation="relu")],
        [layers.Conv2D(filters, 3, padding="same", activation="relu"),
         layers.Conv2D(filters, 3, padding="same", activation="relu")],
    ]
    outputs = []
    for tower in towers:
        t = x
        for layer in tower:
            t = layer(t)
        outputs.append(t)
    return layers.Concatenate(axis=3)(outputs)
"""

AUTOENCODER_SEQUENTIAL_ENCODER = """
def build_autoencoder(input_shape=(28, 28), code_size=16):
    encoder = keras.Sequential(
        [
            keras.Input(shape=input_shape, name="image"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(code_size, name="code"),
        ],
        name="encoder",
    )
    image = keras.Input(shape=input_shape, name="image")
    x = encoder(image)
    pixels = int(np.prod(input_shape))
    decoder_layers = [
        layers.Dense(64, activation="relu"),
        layers.Dense(pixels, activation="sigmoid"),
        layers.Reshape(input_shape, name="reconstruction"),
    ]
    for layer in decoder_layers:
        x = layer(x)
    return encoder, keras.Model(inputs=image, outputs=x, name="autoencoder")
"""

AUTOENCODER_NESTED_DECODER = """
def build_autoencoder(input_shape=(28, 28), code_size=16):
    image = keras.Input(shape=input_shape, name="image")
    h = layers.Reshape(input_shape + (1,))(image)
    h = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Flatten()(h)
    encoder = keras.Model(inputs=image, outputs=layers.Dense(code_size, name="code")(h))

    decoder = keras.Sequential(
        [
            keras.Input(shape=(code_size,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(input_shape[0] * input_shape[1], activation="sigmoid"),
        ],
        name="decoder",
    )
    ae_image = keras.Input(shape=input_shape, name="image")
    reconstruction = layers.Reshape(input_shape, name="reconstruction")(decoder(encoder(ae_image)))
    return encoder, keras.Model(inputs=ae_image, outputs=reconstruction)
"""

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="matcher_dict_inputs_and_helper_block",
        why="the matcher's layers are made first and keras.Model gets a dict of inputs, joined "
        "by layers.concatenate(); another block design: three towers (1x1, 3x3, average "
        "pooling) from a conv helper with ReLU layers",
        replace={"build_matcher": MATCHER_DICT_INPUTS, "inception_block": BLOCK_WITH_CONV_HELPER},
    ),
    RightSubmission(
        name="tower_model_and_tower_lists",
        why="another design: a two-layer Sequential tower called on both inputs, the two "
        "descriptions met by their difference; five towers as lists of layers in a loop",
        replace={"build_matcher": MATCHER_TOWER_MODEL, "inception_block": BLOCK_FROM_TOWER_LISTS},
    ),
    RightSubmission(
        name="autoencoder_sequential_encoder",
        why="the encoder is a Sequential model; the decoder's layers are listed, then applied in "
        "a loop",
        replace={"build_autoencoder": AUTOENCODER_SEQUENTIAL_ENCODER},
    ),
    RightSubmission(
        name="autoencoder_nested_decoder",
        why="another design: a convolutional encoder; the decoder is a Sequential model called "
        "on the codes, followed by the Reshape; keras.Model gets keywords",
        replace={"build_autoencoder": AUTOENCODER_NESTED_DECODER},
    ),
]
