"""Realistic wrong submissions and right answers in other designs for 05_skip_connections_resnet."""

from tests.submissions import RightSubmission, WrongSubmission

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

IDENTITY_ONE_CONVOLUTION = '''
def identity_block(x, filters):
    y = layers.Conv2D(filters, 3, padding="same")(x)
    y = layers.BatchNormalization()(y)
    return layers.Activation("relu")(layers.Add()([y, x]))
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

PROJECTION_STRIDE_ALWAYS_TWO = '''
def projection_block(x, filters, strides=2):
    shortcut = layers.Conv2D(filters, 1, strides=2)(x)
    shortcut = layers.BatchNormalization()(shortcut)
    x = layers.Conv2D(filters, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(layers.Add()([x, shortcut]))
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

RESNET_FLATTENED_FULL_RESOLUTION = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    image = keras.Input(input_shape, name="image")
    x = layers.Conv2D(filters, 3, padding="same")(image)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = identity_block(x, filters)
    x = projection_block(x, 2 * filters, strides=1)
    x = identity_block(x, 2 * filters)
    x = layers.Flatten()(x)
    label = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(image, label)
'''

RESNET_NO_PROJECTION = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    image = keras.Input(input_shape, name="image")
    x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(image)
    for _ in range(3):
        x = identity_block(x, filters)
    x = layers.GlobalAveragePooling2D()(x)
    label = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(image, label)
'''

RESNET_FIXED_WIDTH = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    image = keras.Input(input_shape, name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same")(image)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = identity_block(x, 16)
    x = projection_block(x, 32)
    x = identity_block(x, 32)
    x = layers.GlobalAveragePooling2D()(x)
    label = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(image, label)
'''

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="identity_add_after_relu",
        replace={"identity_block": IDENTITY_ADD_AFTER_RELU},
        loses={"test_identity_block": "added after the activation instead of before"},
        also_zero=("test_build_small_resnet",),
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
        loses={"test_identity_block": "block's input"},
        also_zero=("test_build_small_resnet",),
        why="the shortcut is taken after the first convolution instead of at the block's input",
    ),
    WrongSubmission(
        name="identity_one_convolution",
        replace={"identity_block": IDENTITY_ONE_CONVOLUTION},
        loses={"test_identity_block": "at least two convolutions"},
        why="a main path of one convolution: a residual, but not the block the contract asks",
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
        loses={"test_projection_block": "projection"},
        also_zero=("test_build_small_resnet",),
        why="the input is reshaped before the fork, so the 'projection' block has an identity "
        "shortcut",
    ),
    WrongSubmission(
        name="projection_stride_always_two",
        replace={"projection_block": PROJECTION_STRIDE_ALWAYS_TWO},
        loses={"test_projection_block": "Shape of the output"},
        why="the stride is written as 2 instead of the `strides` argument: strides=1 halves the "
        "image anyway",
    ),
    WrongSubmission(
        name="resnet_hard_coded_shapes",
        replace={"build_small_resnet": RESNET_HARD_CODED_SHAPES},
        loses={"test_build_small_resnet": "Input shapes"},
        why="the network ignores its arguments, so another image size or class count fails",
    ),
    WrongSubmission(
        name="resnet_flattened_full_resolution",
        replace={"build_small_resnet": RESNET_FLATTENED_FULL_RESOLUTION},
        loses={"test_build_small_resnet": "over the parameter budget"},
        why="no down-sampling and a Flatten: the classifier alone has a quarter of a million "
        "weights",
    ),
    WrongSubmission(
        name="resnet_no_projection",
        replace={"build_small_resnet": RESNET_NO_PROJECTION},
        loses={"test_build_small_resnet": "at least one projection block"},
        why="three identity blocks at one resolution and width: a network with skips, but no "
        "block that changes shape",
    ),
    WrongSubmission(
        name="resnet_fixed_width",
        replace={"build_small_resnet": RESNET_FIXED_WIDTH},
        loses={"test_build_small_resnet": "ignores its `filters` argument"},
        why="the widths are written as 16 and 32: every visible check passes, another width "
        "builds the same network",
    ),
]

# -- right answers in other designs ---------------------------------------------------------------

IDENTITY_PLUS_OPERATOR = '''
def identity_block(x, filters):
    inputs = x
    y = layers.Conv2D(filters, (3, 3), padding="same")(inputs)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, (3, 3), padding="same")(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(y + inputs)
'''

PROJECTION_SHORTCUT_LAST = '''
def projection_block(x, filters, strides=2):
    inputs = x
    x = layers.Conv2D(filters, 3, strides=(strides, strides), padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    shortcut = layers.Conv2D(filters, 1, strides=strides, padding="same")(inputs)
    shortcut = layers.BatchNormalization()(shortcut)
    x = layers.add([shortcut, x])
    return layers.ReLU()(x)
'''

HELPER_BLOCKS = '''
def conv_bn(x, filters, kernel_size=3, strides=1):
    """Conv2D then BatchNormalization, the pair every path of a ResNet is made of."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same")(x)
    return layers.BatchNormalization(momentum=0.9)(x)


def identity_block(x, filters):
    main = layers.Activation("relu")(conv_bn(x, filters))
    main = conv_bn(main, filters)
    return layers.Activation("relu")(layers.Add()([x, main]))
'''

HELPER_PROJECTION = '''
def projection_block(x, filters, strides=2):
    shortcut = conv_bn(x, filters, kernel_size=1, strides=strides)
    main = layers.Activation("relu")(conv_bn(x, filters, strides=strides))
    main = conv_bn(main, filters)
    return layers.Activation("relu")(layers.Add()([shortcut, main]))
'''

RESNET_TWO_BLOCKS_PER_STAGE = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Activation("relu")(conv_bn(image, filters, strides=2))
    for stage, width in enumerate([filters, 2 * filters]):
        if stage > 0:
            x = projection_block(x, width)
        for _ in range(2):
            x = identity_block(x, width)
    x = layers.GlobalAveragePooling2D()(x)
    label = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(inputs=image, outputs=label)
'''

BOTTLENECK_IDENTITY = '''
def identity_block(x, filters):
    """A bottleneck: 1x1 down to half the width, 3x3, 1x1 back up, Conv-ReLU-BN order."""
    y = layers.Conv2D(max(filters // 2, 1), 1, activation="relu")(x)
    y = layers.BatchNormalization()(y)
    y = layers.Conv2D(max(filters // 2, 1), 3, padding="same", activation="relu")(y)
    y = layers.BatchNormalization()(y)
    y = layers.Conv2D(filters, 1)(y)
    y = layers.BatchNormalization()(y)
    return keras.ops.relu(keras.ops.add(x, y))
'''

PROJECTION_WITHOUT_NORMALIZATION = '''
def projection_block(x, filters, strides=2):
    shortcut = layers.Conv2D(filters, 1, strides=strides, name=None)(x)
    y = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    y = layers.Conv2D(filters, 3, strides=strides, padding="same")(y)
    return layers.Activation("relu")(shortcut + y)
'''

RESNET_POOLED_STEM_THREE_STAGES = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name="stem")(inputs)
    x = layers.MaxPooling2D(2, name="stem_pool")(x)
    x = identity_block(x, filters)
    width = filters
    for _ in range(2):
        width *= 2
        x = projection_block(x, width)
        x = identity_block(x, width)
    x = layers.GlobalMaxPooling2D(name="pool")(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    outputs = layers.Activation("softmax", name="label")(logits)
    return keras.Model(inputs, outputs, name="resnet")
'''

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="plus_operator_and_relu_layers",
        replace={
            "identity_block": IDENTITY_PLUS_OPERATOR,
            "projection_block": PROJECTION_SHORTCUT_LAST,
        },
        why="`y + inputs` and layers.add([shortcut, x]) (shortcut first) in place of Add(), "
        "ReLU() layers, default BatchNormalization momentum, tuple kernel sizes, the shortcut "
        "computed after the main path and a 1x1 projection with padding='same'",
    ),
    RightSubmission(
        name="conv_bn_helper_and_two_blocks_per_stage",
        replace={
            "identity_block": HELPER_BLOCKS,
            "projection_block": HELPER_PROJECTION,
            "build_small_resnet": RESNET_TWO_BLOCKS_PER_STAGE,
        },
        why="a conv_bn helper shared by both blocks and the stem, the shortcut as Add's first "
        "operand, and a deeper network: two identity blocks per stage, built by a loop",
    ),
    RightSubmission(
        name="bottleneck_no_batchnorm_shortcut_three_stages",
        replace={
            "identity_block": BOTTLENECK_IDENTITY,
            "projection_block": PROJECTION_WITHOUT_NORMALIZATION,
            "build_small_resnet": RESNET_POOLED_STEM_THREE_STAGES,
        },
        why="another design throughout: a 1x1-3x3-1x1 bottleneck in Conv-ReLU-BN order with "
        "keras.ops, a projection block without normalization whose second convolution strides, "
        "a pooled stem, three stages, global max pooling and a softmax Activation layer",
    ),
]
