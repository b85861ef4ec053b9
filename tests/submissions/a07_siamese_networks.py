"""Wrong submissions for 07_siamese_networks: the mistakes students make with Siamese models."""

from tests.submissions import WrongSubmission

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
        why="the loss follows a tutorial where similar pairs are labelled 0",
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
]
