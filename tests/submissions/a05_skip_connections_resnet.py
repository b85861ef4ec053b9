"""Realistic wrong submissions for 05_skip_connections_resnet."""

from tests.submissions import WrongSubmission

IDENTITY_ADD_AFTER_RELU = '''
def identity_block(x, filters):
    shortcut = x
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    return layers.Add()([x, shortcut])
'''

IDENTITY_WITHOUT_SKIP = '''
def identity_block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)
'''

IDENTITY_SKIP_AFTER_FIRST_CONV = '''
def identity_block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same")(x)
    shortcut = x
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Add()([x, shortcut])
    return layers.Activation("relu")(x)
'''

IDENTITY_RELU_BEFORE_BN = '''
def identity_block(x, filters):
    shortcut = x
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x + shortcut)
'''

PROJECTION_SHORTCUT_NOT_PROJECTED = '''
def projection_block(x, filters, strides=2):
    shortcut = x
    x = layers.Conv2D(filters, 3, strides=strides, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Add()([x, shortcut])
    return layers.Activation("relu")(x)
'''

PROJECTION_DOWNSAMPLED_BEFORE_THE_FORK = '''
def projection_block(x, filters, strides=2):
    x = layers.Conv2D(filters, 1, strides=strides)(x)
    shortcut = x
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Add()([x, shortcut])
    return layers.Activation("relu")(x)
'''

RESNET_HARD_CODED_SHAPES = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same")(image)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = identity_block(x, 16)
    x = projection_block(x, 32)
    x = identity_block(x, 32)
    x = layers.GlobalAveragePooling2D()(x)
    label = layers.Dense(10, activation="softmax", name="label")(x)
    return keras.Model(image, label)
'''

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="identity_add_after_relu",
        replace={"identity_block": IDENTITY_ADD_AFTER_RELU},
        loses={"test_identity_block": "added after the activation instead of before"},
        why="the sum comes after the block's last ReLU, so negative inputs pass through",
    ),
    WrongSubmission(
        name="identity_without_skip",
        replace={"identity_block": IDENTITY_WITHOUT_SKIP},
        loses={"test_identity_block": "no skip connection"},
        also_zero=("test_build_small_resnet",),
        why="a plain Conv-BN block: same parameters as the residual one, but no Add",
    ),
    WrongSubmission(
        name="identity_skip_after_first_conv",
        replace={"identity_block": IDENTITY_SKIP_AFTER_FIRST_CONV},
        loses={"test_identity_block": "zeros everywhere"},
        why="the shortcut is taken after the first convolution instead of at the block's input",
    ),
    WrongSubmission(
        name="identity_relu_before_bn",
        replace={"identity_block": IDENTITY_RELU_BEFORE_BN},
        loses={"test_identity_block": "Constant-weight test"},
        why="Conv-ReLU-BN instead of Conv-BN-ReLU: the graph checks pass, only the numbers differ",
    ),
    WrongSubmission(
        name="projection_shortcut_not_projected",
        replace={"projection_block": PROJECTION_SHORTCUT_NOT_PROJECTED},
        loses={"test_projection_block": "incompatible shapes"},
        also_zero=("test_build_small_resnet",),
        why="the shortcut is the raw input, which no longer matches the strided main path",
    ),
    WrongSubmission(
        name="projection_downsampled_before_the_fork",
        replace={"projection_block": PROJECTION_DOWNSAMPLED_BEFORE_THE_FORK},
        loses={"test_projection_block": "needs a projection shortcut"},
        also_zero=("test_build_small_resnet",),
        why="the input is reshaped before the fork, so the 'projection' block has an identity "
        "shortcut",
    ),
    WrongSubmission(
        name="resnet_hard_coded_shapes",
        replace={"build_small_resnet": RESNET_HARD_CODED_SHAPES},
        loses={"test_build_small_resnet": "Input shapes"},
        why="the network ignores its arguments, so another image size or class count fails",
    ),
]
