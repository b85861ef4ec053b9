"""Wrong submissions for 07_siamese_networks: the mistakes students make with Siamese models."""

from tests.submissions import RightSubmission, WrongSubmission

TWO_TOWERS = '''
def build_siamese(input_shape=(28, 28), embedding_dim=16):
    left = keras.Input(shape=input_shape, name="left")
    right = keras.Input(shape=input_shape, name="right")
    e_left = build_tower(input_shape, embedding_dim)(left)
    e_right = build_tower(input_shape, embedding_dim)(right)
    squared = ops.sum(ops.square(e_left - e_right), axis=1, keepdims=True)
    distance = ops.sqrt(ops.maximum(squared, 1e-7))
    return keras.Model({"left": left, "right": right}, {"distance": distance})
'''

SIGNED_DIFFERENCE = '''
def build_siamese(input_shape=(28, 28), embedding_dim=16):
    tower = build_tower(input_shape, embedding_dim)
    left = keras.Input(shape=input_shape, name="left")
    right = keras.Input(shape=input_shape, name="right")
    distance = ops.sum(tower(left) - tower(right), axis=1, keepdims=True)
    return keras.Model({"left": left, "right": right}, {"distance": distance})
'''

LABELS_SWAPPED = '''
def contrastive_loss(y_true, distance, margin=1.0):
    y = ops.reshape(ops.cast(y_true, distance.dtype), ops.shape(distance))
    pull = (1.0 - y) * ops.square(distance)
    push = y * ops.square(ops.maximum(margin - distance, 0.0))
    return ops.mean(pull + push, axis=-1)
'''

NO_MARGIN_CLIP = '''
def contrastive_loss(y_true, distance, margin=1.0):
    y = ops.reshape(ops.cast(y_true, distance.dtype), ops.shape(distance))
    pull = y * ops.square(distance)
    push = (1.0 - y) * ops.square(margin - distance)
    return ops.mean(pull + push, axis=-1)
'''

MARGIN_HARD_CODED = '''
def contrastive_loss(y_true, distance, margin=1.0):
    y = ops.reshape(ops.cast(y_true, distance.dtype), ops.shape(distance))
    pull = y * ops.square(distance)
    push = (1.0 - y) * ops.square(ops.maximum(1.0 - distance, 0.0))
    return ops.mean(pull + push, axis=-1)
'''

SHAPE_HARD_CODED = '''
def build_tower(input_shape=(28, 28), embedding_dim=16):
    image = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten()(image)
    x = layers.Dense(64, activation="relu")(x)
    embedding = layers.Dense(embedding_dim, name="embedding")(x)
    return keras.Model(image, embedding)
'''

EMBEDDING_WITH_RELU = '''
def build_tower(input_shape=(28, 28), embedding_dim=16):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(image)
    x = layers.Dense(64, activation="relu")(x)
    embedding = layers.Dense(embedding_dim, activation="relu", name="embedding")(x)
    return keras.Model(image, embedding)
'''

TOWER_WITHOUT_HIDDEN_LAYER = '''
def build_tower(input_shape=(28, 28), embedding_dim=16):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(image)
    embedding = layers.Dense(embedding_dim, name="embedding")(x)
    return keras.Model(image, embedding)
'''

TOWER_OVER_BUDGET = '''
def build_tower(input_shape=(28, 28), embedding_dim=16):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(image)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dense(128, activation="relu")(x)
    embedding = layers.Dense(embedding_dim, name="embedding")(x)
    return keras.Model(image, embedding)
'''

SQUARED_DISTANCE = '''
def build_siamese(input_shape=(28, 28), embedding_dim=16):
    tower = build_tower(input_shape, embedding_dim)
    left = keras.Input(shape=input_shape, name="left")
    right = keras.Input(shape=input_shape, name="right")
    distance = ops.sum(ops.square(tower(left) - tower(right)), axis=1, keepdims=True)
    return keras.Model({"left": left, "right": right}, {"distance": distance})
'''

MARGIN_TERM_NOT_SQUARED = '''
def contrastive_loss(y_true, distance, margin=1.0):
    y = ops.reshape(ops.cast(y_true, distance.dtype), ops.shape(distance))
    pull = y * ops.square(distance)
    push = (1.0 - y) * ops.maximum(margin - distance, 0.0)
    return ops.mean(pull + push, axis=-1)
'''

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="two_towers",
        replace={"build_siamese": TWO_TOWERS},
        loses={
            "test_shared_tower": "Shared tower",
            "test_distance": "d(x, x) = 0",
        },
        why="build_tower is called once per input: two towers with their own weights, so the "
        "same image gets two different embeddings",
    ),
    WrongSubmission(
        name="signed_difference",
        replace={"build_siamese": SIGNED_DIFFERENCE},
        loses={"test_distance": "Siamese distance symmetry"},
        why="the embeddings' difference is summed without squaring: d(x, y) = -d(y, x)",
    ),
    WrongSubmission(
        name="labels_swapped",
        replace={"contrastive_loss": LABELS_SWAPPED},
        loses={"test_contrastive_loss": "label convention"},
        why="the loss follows a tutorial where similar pairs are labeled 0",
    ),
    WrongSubmission(
        name="no_margin_clip",
        replace={"contrastive_loss": NO_MARGIN_CLIP},
        loses={"test_contrastive_loss": "clip the margin term"},
        why="(margin - d)**2 without max(., 0): dissimilar pairs far apart keep costing",
    ),
    WrongSubmission(
        name="margin_hard_coded",
        replace={"contrastive_loss": MARGIN_HARD_CODED},
        loses={"test_contrastive_loss": "use the margin you were given"},
        why="the margin is written as 1.0 in the formula; only the hidden margin reveals it",
    ),
    WrongSubmission(
        name="shape_hard_coded",
        replace={"build_tower": SHAPE_HARD_CODED},
        loses={"test_build_tower": "Input shapes"},
        also_zero=("test_shared_tower", "test_distance"),
        why="the tower's input shape is written as (28, 28): the hidden configuration fails, "
        "and the Siamese model built on it cannot take its own inputs",
    ),
    WrongSubmission(
        name="embedding_with_relu",
        replace={"build_tower": EMBEDDING_WITH_RELU},
        loses={"test_build_tower": "ends in relu"},
        why="the embedding layer copies the hidden layer's activation='relu', so no coordinate "
        "can be negative",
    ),
    WrongSubmission(
        name="tower_without_hidden_layer",
        replace={"build_tower": TOWER_WITHOUT_HIDDEN_LAYER},
        loses={"test_build_tower": "at least one hidden layer"},
        why="Flatten straight into the embedding: a linear map of the pixels, nothing learned "
        "in between",
    ),
    WrongSubmission(
        name="tower_over_budget",
        replace={"build_tower": TOWER_OVER_BUDGET},
        loses={"test_build_tower": "over the parameter budget"},
        why="a 512-unit first layer on 784 pixels: 400,000 weights for a 16-number embedding",
    ),
    WrongSubmission(
        name="squared_distance",
        replace={"build_siamese": SQUARED_DISTANCE},
        loses={"test_distance": "Euclidean distance"},
        why="the squared distance without its square root: a valid dissimilarity, but not the "
        "distance the contrastive loss's margin is measured in",
    ),
    WrongSubmission(
        name="margin_term_not_squared",
        replace={"contrastive_loss": MARGIN_TERM_NOT_SQUARED},
        loses={"test_contrastive_loss": "not proportional"},
        why="max(margin - d, 0) without the square: every case still costs or not as it should",
    ),
]

# -- right answers in other designs ----------------------------------------------------------------

TOWER_SEQUENTIAL_BODY = '''
def build_tower(input_shape=(28, 28), embedding_dim=16):
    body = keras.Sequential([layers.Flatten(), layers.Dense(64, activation="relu")], name="body")
    image = keras.Input(shape=input_shape, name="image")
    embedding = layers.Dense(embedding_dim, name="embedding")(body(image))
    return keras.Model(image, embedding, name="tower")
'''

SIAMESE_SUBTRACT_LAYER = '''
def build_siamese(input_shape=(28, 28), embedding_dim=16):
    left = keras.Input(shape=input_shape, name="left")
    right = keras.Input(shape=input_shape, name="right")
    tower = build_tower(input_shape, embedding_dim)
    difference = layers.Subtract()([tower(left), tower(right)])
    squared = ops.sum(ops.square(difference), axis=-1, keepdims=True)
    distance = ops.sqrt(squared + 1e-7)
    return keras.Model(inputs={"left": left, "right": right}, outputs={"distance": distance})
'''

LOSS_WHERE_PER_PAIR = '''
def contrastive_loss(y_true, distance, margin=1.0):
    y = ops.reshape(ops.cast(y_true, distance.dtype), ops.shape(distance))
    similar_cost = ops.square(distance)
    dissimilar_cost = ops.square(ops.relu(margin - distance))
    return ops.where(y > 0.5, similar_cost, dissimilar_cost)
'''

TOWER_RELU_LAYER = '''
def build_tower(input_shape=(28, 28), embedding_dim=16):
    inputs = keras.Input(input_shape, name="image")
    x = layers.Reshape((-1,))(inputs)
    x = layers.Dense(64)(x)
    x = layers.ReLU()(x)
    outputs = layers.Dense(units=embedding_dim, activation=None, name="embedding")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="tower")
'''

SIAMESE_DICT_COMPREHENSION = '''
def build_siamese(input_shape=(28, 28), embedding_dim=16):
    names = ("left", "right")
    inputs = {name: keras.Input(shape=input_shape, name=name) for name in names}
    tower = build_tower(input_shape=input_shape, embedding_dim=embedding_dim)
    e_left, e_right = [tower(inputs[name]) for name in names]
    squared = ops.sum((e_left - e_right) ** 2, axis=1, keepdims=True)
    distance = ops.sqrt(ops.maximum(squared, 1e-7))
    return keras.Model(inputs, {"distance": distance}, name="siamese")
'''

LOSS_HALF_MEAN = '''
def contrastive_loss(y_true, distance, margin=1.0):
    y = ops.reshape(ops.cast(y_true, distance.dtype), ops.shape(distance))
    loss = y * distance**2 + (1 - y) * ops.maximum(margin - distance, 0) ** 2
    return 0.5 * ops.mean(loss)
'''

TOWER_CONVOLUTIONAL = '''
def build_tower(input_shape=(28, 28), embedding_dim=16):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Reshape((*input_shape, 1))(image) if len(input_shape) == 2 else image
    for width in (8, 16):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(32, activation="relu")(x)
    embedding = layers.Dense(embedding_dim, name="embedding")(x)
    return keras.Model(image, embedding, name="conv_tower")
'''

SIAMESE_OPS_NORM = '''
def build_siamese(input_shape=(28, 28), embedding_dim=16):
    shared = build_tower(input_shape, embedding_dim)
    inputs = {side: keras.Input(shape=input_shape, name=side) for side in ("right", "left")}
    difference = layers.Subtract()([shared(inputs["left"]), shared(inputs["right"])])
    squared = ops.sum(difference * difference, axis=-1, keepdims=True)
    distance = ops.sqrt(ops.maximum(squared, keras.config.epsilon()))
    return keras.Model(inputs, {"distance": distance}, name="siamese")
'''

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="sequential_body_subtract_layer_where_loss",
        replace={
            "build_tower": TOWER_SEQUENTIAL_BODY,
            "build_siamese": SIAMESE_SUBTRACT_LAYER,
            "contrastive_loss": LOSS_WHERE_PER_PAIR,
        },
        why="a Functional tower around a Sequential body, layers.Subtract() for the difference, "
        "sqrt(squared + epsilon), and a loss that picks its term with ops.where and ops.relu",
    ),
    RightSubmission(
        name="relu_layer_dict_comprehension_half_mean_loss",
        replace={
            "build_tower": TOWER_RELU_LAYER,
            "build_siamese": SIAMESE_DICT_COMPREHENSION,
            "contrastive_loss": LOSS_HALF_MEAN,
        },
        why="Reshape((-1,)) and a ReLU() layer in the tower, inputs built by a dict "
        "comprehension, the `**` operator, and a loss halved and averaged to one number",
    ),
    RightSubmission(
        name="convolutional_tower_subtract_layer",
        replace={"build_tower": TOWER_CONVOLUTIONAL, "build_siamese": SIAMESE_OPS_NORM},
        why="another tower design: a Reshape to add a channel axis only for 2-D images, two "
        "Conv2D + pooling stages, global pooling and a hidden Dense; the Siamese model built "
        "from a dict with the inputs in the other order and keras.config.epsilon() as floor",
    ),
]
