"""Realistic wrong submissions and right answers in other styles for 05_skip_connections_resnet."""

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

RESNET_WIDTH_NEVER_DOUBLES = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    image = keras.Input(input_shape, name="image")
    x = layers.Conv2D(filters, 3, strides=2, padding="same")(image)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = identity_block(x, filters)
    x = projection_block(x, filters)
    x = identity_block(x, filters)
    x = layers.GlobalAveragePooling2D()(x)
    label = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(image, label)
'''

RESNET_FLATTEN_AND_NO_STEM_STRIDE = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    image = keras.Input(input_shape, name="image")
    x = layers.Conv2D(filters, 3, padding="same")(image)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = identity_block(x, filters)
    x = projection_block(x, 2 * filters)
    x = identity_block(x, 2 * filters)
    x = layers.Flatten()(x)
    label = layers.Dense(num_classes, activation="softmax", name="label")(x)
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
    WrongSubmission(
        name="resnet_width_never_doubles",
        replace={"build_small_resnet": RESNET_WIDTH_NEVER_DOUBLES},
        loses={"test_build_small_resnet": "compared with the reference"},
        why="every block keeps `filters` channels: same merges, shapes and output, but not the "
        "network the task describes (it passed every check before the comparison with a reference)",
    ),
    WrongSubmission(
        name="resnet_flatten_and_no_stem_stride",
        replace={"build_small_resnet": RESNET_FLATTEN_AND_NO_STEM_STRIDE},
        loses={"test_build_small_resnet": "compared with the reference"},
        why="a stem without stride and Flatten in place of GlobalAveragePooling2D: the output "
        "still has the right shape",
    ),
]

# -- right answers in other styles ----------------------------------------------------------------

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

RESNET_STAGE_LOOP = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    image = keras.Input(shape=input_shape, name="image")
    x = layers.Activation("relu")(conv_bn(image, filters, strides=2))
    stages = [(identity_block, filters), (projection_block, 2 * filters),
              (identity_block, 2 * filters)]
    for block, width in stages:
        x = block(x, width)
    x = layers.GlobalAveragePooling2D()(x)
    label = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(inputs=image, outputs=label)
'''

IDENTITY_KERAS_OPS = '''
def identity_block(x, filters):
    shortcut = x
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = keras.ops.relu(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    return keras.ops.relu(keras.ops.add(shortcut, x))
'''

RESNET_NAMED_STEM_SOFTMAX_LAYER = '''
def build_small_resnet(input_shape=(28, 28, 1), num_classes=10, filters=16):
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(filters, 3, strides=2, padding="same", name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    x = identity_block(x, filters)
    x = projection_block(x, filters * 2)
    x = identity_block(x, filters * 2)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
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
        name="conv_bn_helper_and_stage_loop",
        replace={
            "identity_block": HELPER_BLOCKS,
            "projection_block": HELPER_PROJECTION,
            "build_small_resnet": RESNET_STAGE_LOOP,
        },
        why="a conv_bn helper shared by both blocks and the stem, the shortcut as Add's first "
        "operand, and the three blocks built by a loop over (block, width) stages",
    ),
    RightSubmission(
        name="keras_ops_and_softmax_activation_layer",
        replace={
            "identity_block": IDENTITY_KERAS_OPS,
            "build_small_resnet": RESNET_NAMED_STEM_SOFTMAX_LAYER,
        },
        why="keras.ops.relu and keras.ops.add inside the block, named stem layers, and the "
        "softmax as an Activation layer named `label` after a linear Dense",
    ),
]
