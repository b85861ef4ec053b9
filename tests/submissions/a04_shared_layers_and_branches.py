"""Wrong submissions for 04_shared_layers_and_branches: copies where sharing was asked for,
towers in sequence instead of side by side, an autoencoder that rebuilds its encoder."""

from tests.submissions import WrongSubmission

MATCHER_WITH_COPIES = """
def build_matcher(n_features=16, embed_units=8):
    query = keras.Input(shape=(n_features,), name="query")
    candidate = keras.Input(shape=(n_features,), name="candidate")
    a = layers.Dense(embed_units, activation="relu")(query)
    b = layers.Dense(embed_units, activation="relu")(candidate)
    both = layers.Concatenate()([a, b])
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

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="matcher_with_copies",
        why="two Dense layers with the same settings, one per input: a copy, not a shared layer",
        replace={"build_matcher": MATCHER_WITH_COPIES},
        loses={"test_build_matcher": "separate copies with identical settings"},
    ),
    WrongSubmission(
        name="towers_in_sequence",
        why="each tower starts from the previous tower's output instead of from x",
        replace={"inception_block": TOWERS_IN_SEQUENCE},
        loses={"test_inception_block": "a tower computed from another tower's output"},
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
        name="autoencoder_with_copied_encoder",
        why="the autoencoder creates the encoder's layers again instead of calling `encoder`",
        replace={"build_autoencoder": AUTOENCODER_WITH_COPIED_ENCODER},
        loses={"test_autoencoder_reuses_encoder": "it uses a copy of the encoder's layers"},
    ),
    WrongSubmission(
        name="autoencoder_flat_output",
        why="the reconstruction is left as a flat vector of pixels, not reshaped to the image",
        replace={"build_autoencoder": AUTOENCODER_FLAT_OUTPUT},
        loses={"test_autoencoder_shapes": "Shape of the output"},
    ),
]
