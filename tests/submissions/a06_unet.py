"""Realistic wrong submissions and right answers in other designs for 06_unet."""

from tests.submissions import RightSubmission, WrongSubmission

CONV_BLOCK_SKIP_AFTER_POOLING = '''
def conv_block(x, n_filters, dropout=0.0, max_pooling=True):
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    if dropout > 0:
        x = layers.Dropout(dropout)(x)
    if max_pooling:
        x = layers.MaxPooling2D(2)(x)
    skip = x
    return x, skip
'''

UPSAMPLING_ADDS_THE_SKIP = '''
def upsampling_block(x, skip, n_filters):
    x = layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same")(x)
    x = layers.Add()([x, skip])
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    return x
'''

UNET_WITHOUT_TOP_SKIP = '''
def build_unet(input_size=(32, 32, 1), n_filters=8, n_classes=1, depth=2):
    image = keras.Input(input_size, name="image")
    x, _ = conv_block(image, n_filters)  # the full-resolution skip is thrown away
    skips = [None]
    for level in range(1, depth):
        x, level_skip = conv_block(x, n_filters * 2**level)
        skips.append(level_skip)
    x, _ = conv_block(x, n_filters * 2**depth, max_pooling=False)
    for level in reversed(range(1, depth)):
        x = upsampling_block(x, skips[level], n_filters * 2**level)
    x = layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same")(x)
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    activation = "sigmoid" if n_classes == 1 else "softmax"
    mask = layers.Conv2D(n_classes, 1, activation=activation, name="mask")(x)
    return keras.Model(image, mask)
'''

UNET_DECODER_ONE_LEVEL_SHORT = '''
def build_unet(input_size=(32, 32, 1), n_filters=8, n_classes=1, depth=2):
    image = keras.Input(input_size, name="image")
    x, skips = image, []
    for level in range(depth):
        x, level_skip = conv_block(x, n_filters * 2**level)
        skips.append(level_skip)
    x, _ = conv_block(x, n_filters * 2**depth, max_pooling=False)
    for level in range(depth - 1, 0, -1):  # stops before level 0
        x = upsampling_block(x, skips[level], n_filters * 2**level)
    activation = "sigmoid" if n_classes == 1 else "softmax"
    mask = layers.Conv2D(n_classes, 1, activation=activation, name="mask")(x)
    return keras.Model(image, mask)
'''

UNET_HARD_CODED_INPUT = '''
def build_unet(input_size=(32, 32, 1), n_filters=8, n_classes=1, depth=2):
    image = keras.Input((32, 32, 1), name="image")
    x, skips = image, []
    for level in range(depth):
        x, level_skip = conv_block(x, n_filters * 2**level)
        skips.append(level_skip)
    x, _ = conv_block(x, n_filters * 2**depth, max_pooling=False)
    for level in reversed(range(depth)):
        x = upsampling_block(x, skips[level], n_filters * 2**level)
    activation = "sigmoid" if n_classes == 1 else "softmax"
    mask = layers.Conv2D(n_classes, 1, activation=activation, name="mask")(x)
    return keras.Model(image, mask)
'''

IOU_WITHOUT_THRESHOLD = '''
def iou(y_true, y_pred):
    intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))
    union = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3)) - intersection
    return (intersection + 1e-7) / (union + 1e-7)
'''

IOU_NAN_ON_EMPTY_MASKS = '''
def iou(y_true, y_pred):
    predicted = ops.cast(y_pred > 0.5, "float32")
    intersection = ops.sum(y_true * predicted, axis=(1, 2, 3))
    union = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(predicted, axis=(1, 2, 3)) - intersection
    return intersection / union
'''

UNET_SAME_WIDTH_EVERY_LEVEL = '''
def build_unet(input_size=(32, 32, 1), n_filters=8, n_classes=1, depth=2):
    image = keras.Input(input_size, name="image")
    x, skips = image, []
    for level in range(depth):
        x, level_skip = conv_block(x, n_filters)
        skips.append(level_skip)
    x, _ = conv_block(x, n_filters, max_pooling=False)
    for level in reversed(range(depth)):
        x = upsampling_block(x, skips[level], n_filters)
    activation = "sigmoid" if n_classes == 1 else "softmax"
    mask = layers.Conv2D(n_classes, 1, activation=activation, name="mask")(x)
    return keras.Model(image, mask)
'''

CONV_BLOCK_ONE_CONVOLUTION = '''
def conv_block(x, n_filters, dropout=0.0, max_pooling=True):
    skip = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    if dropout > 0:
        skip = layers.Dropout(dropout)(skip)
    next_layer = layers.MaxPooling2D(2)(skip) if max_pooling else skip
    return next_layer, skip
'''

UNET_ALWAYS_TWO_LEVELS = '''
def build_unet(input_size=(32, 32, 1), n_filters=8, n_classes=1, depth=2):
    image = keras.Input(input_size, name="image")
    x, top = conv_block(image, n_filters)
    x, middle = conv_block(x, 2 * n_filters)
    x, _ = conv_block(x, 4 * n_filters, max_pooling=False)
    x = upsampling_block(x, middle, 2 * n_filters)
    x = upsampling_block(x, top, n_filters)
    activation = "sigmoid" if n_classes == 1 else "softmax"
    mask = layers.Conv2D(n_classes, 1, activation=activation, name="mask")(x)
    return keras.Model(image, mask)
'''

CONV_BLOCK_DROPOUT_AFTER_POOLING = '''
def conv_block(x, n_filters, dropout=0.0, max_pooling=True):
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
    skip = x
    if max_pooling:
        x = layers.MaxPooling2D(2)(x)
    if dropout > 0:
        x = layers.Dropout(dropout)(x)
    return x, skip
'''

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="conv_block_skip_after_pooling",
        replace={"conv_block": CONV_BLOCK_SKIP_AFTER_POOLING},
        loses={"test_conv_block": "the skip must be taken before pooling"},
        also_zero=("test_build_unet",),
        why="the skip is the pooled tensor, so it has half the resolution the decoder needs",
    ),
    WrongSubmission(
        name="conv_block_dropout_after_pooling",
        replace={"conv_block": CONV_BLOCK_DROPOUT_AFTER_POOLING},
        loses={"test_conv_block": "before the skip is taken"},
        why="Dropout placed after the pooling, as in a plain CNN: the skip never passes through "
        "it, and Dropout does nothing at inference, so only the graph shows it",
    ),
    WrongSubmission(
        name="upsampling_adds_the_skip",
        replace={"upsampling_block": UPSAMPLING_ADDS_THE_SKIP},
        loses={
            "test_upsampling_block": "no Concatenate layer",
            "test_build_unet": "not concatenated",
        },
        why="Add in place of Concatenate: the shapes agree, but the skip's channels are mixed in",
    ),
    WrongSubmission(
        name="unet_without_top_skip",
        replace={"build_unet": UNET_WITHOUT_TOP_SKIP},
        loses={"test_build_unet": "no skip at level 32x32"},
        why="the full-resolution level is up-sampled without its skip",
    ),
    WrongSubmission(
        name="unet_decoder_one_level_short",
        replace={"build_unet": UNET_DECODER_ONE_LEVEL_SHORT},
        loses={"test_build_unet": "Output shapes"},
        why="the decoder loop stops one level early, so the mask has half the input's size",
    ),
    WrongSubmission(
        name="unet_hard_coded_input",
        replace={"build_unet": UNET_HARD_CODED_INPUT},
        loses={"test_build_unet": "Input shapes"},
        why="keras.Input ignores input_size, so the 48x48 network is built for 32x32 images",
    ),
    WrongSubmission(
        name="iou_without_threshold",
        replace={"iou": IOU_WITHOUT_THRESHOLD},
        loses={"test_iou": "turn y_pred into a 0/1 mask"},
        why="a 'soft' IoU on probabilities instead of on the thresholded mask",
    ),
    WrongSubmission(
        name="iou_nan_on_empty_masks",
        replace={"iou": IOU_NAN_ON_EMPTY_MASKS},
        loses={"test_iou": "guard the division"},
        why="0 / 0 on an image without shapes gives NaN",
    ),
    WrongSubmission(
        name="unet_same_width_every_level",
        replace={"build_unet": UNET_SAME_WIDTH_EVERY_LEVEL},
        loses={"test_build_unet": "doubles its width at each level down"},
        why="n_filters at every level instead of n_filters * 2**level: skips, shapes and output "
        "are right, the network is not",
    ),
    WrongSubmission(
        name="conv_block_one_convolution",
        replace={"conv_block": CONV_BLOCK_ONE_CONVOLUTION},
        loses={"test_conv_block": "at least two convolutions"},
        why="one convolution per level: the shapes are right, the level sees too little",
    ),
    WrongSubmission(
        name="unet_always_two_levels",
        replace={"build_unet": UNET_ALWAYS_TWO_LEVELS},
        loses={"test_build_unet": "levels"},
        why="the two levels of the example written out: `depth` is ignored, so a deeper U-Net "
        "has too few skips",
    ),
]

# -- right answers in other designs ----------------------------------------------------------------

CONV_BLOCK_LOOP_RELU_LAYERS = '''
def conv_block(x, n_filters, dropout=0.0, max_pooling=True):
    for _ in range(2):
        x = layers.Conv2D(n_filters, kernel_size=(3, 3), padding="same")(x)
        x = layers.ReLU()(x)
    skip = layers.Dropout(dropout)(x) if dropout > 0 else x
    next_layer = layers.MaxPool2D(pool_size=(2, 2))(skip) if max_pooling else skip
    return next_layer, skip
'''

UPSAMPLING_CONCATENATE_FUNCTION = '''
def upsampling_block(x, skip, n_filters):
    up = layers.Conv2DTranspose(n_filters, (3, 3), strides=(2, 2), padding="same")(x)
    merged = layers.concatenate([skip, up], axis=3)
    conv = layers.Conv2D(n_filters, 3, activation="relu", padding="same")(merged)
    return layers.Conv2D(n_filters, 3, activation="relu", padding="same")(conv)
'''

UNET_FILTER_LIST_AND_ZIP = '''
def build_unet(input_size=(32, 32, 1), n_filters=8, n_classes=1, depth=2):
    inputs = keras.Input(shape=input_size, name="image")
    widths = [n_filters * 2**level for level in range(depth + 1)]
    x, skips = inputs, []
    for width in widths[:-1]:
        x, skip = conv_block(x, width)
        skips.append(skip)
    x = conv_block(x, widths[-1], max_pooling=False)[0]
    for width, skip in zip(reversed(widths[:-1]), reversed(skips)):
        x = upsampling_block(x, skip, width)
    if n_classes == 1:
        mask = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(x)
    else:
        mask = layers.Conv2D(n_classes, 1, activation="softmax", name="mask")(x)
    return keras.Model(inputs=inputs, outputs=mask)
'''

IOU_BOOLEAN_MASKS = '''
def iou(y_true, y_pred):
    predicted = y_pred > 0.5
    truth = ops.cast(y_true, "bool")
    intersection = ops.sum(ops.cast(ops.logical_and(truth, predicted), "float32"), axis=[1, 2, 3])
    union = ops.sum(ops.cast(ops.logical_or(truth, predicted), "float32"), axis=[1, 2, 3])
    return ops.where(ops.equal(union, 0.0), ops.ones_like(union),
                     intersection / ops.maximum(union, 1e-7))
'''

ENCODER_DECODER_HELPERS = '''
def encoder(x, n_filters, depth):
    """The levels on the way down: the bottom tensor and the skips, highest level first."""
    skips = []
    for level in range(depth):
        x, skip = conv_block(x, n_filters * 2**level)
        skips.append(skip)
    bottom, _ = conv_block(x, n_filters * 2**depth, max_pooling=False)
    return bottom, skips


def decoder(x, skips, n_filters):
    for level in range(len(skips) - 1, -1, -1):
        x = upsampling_block(x, skips[level], n_filters * 2**level)
    return x


def build_unet(input_size=(32, 32, 1), n_filters=8, n_classes=1, depth=2):
    image = keras.Input(input_size, name="image")
    bottom, skips = encoder(image, n_filters, depth)
    x = decoder(bottom, skips, n_filters)
    logits = layers.Conv2D(n_classes, 1, name="mask_logits")(x)
    mask = layers.Activation("sigmoid" if n_classes == 1 else "softmax", name="mask")(logits)
    return keras.Model(image, mask, name="unet")
'''

IOU_SMOOTHED_FLAT = '''
def iou(y_true, y_pred):
    eps = 1e-7
    batch = ops.shape(y_true)[0]
    truth = ops.reshape(ops.cast(y_true, "float32"), (batch, -1))
    predicted = ops.reshape(ops.cast(ops.greater(y_pred, 0.5), "float32"), (batch, -1))
    intersection = ops.sum(truth * predicted, axis=1)
    union = ops.sum(ops.maximum(truth, predicted), axis=1)
    return (intersection + eps) / (union + eps)
'''

STRIDED_DOWN_UPSAMPLING_UP = '''
def conv_block(x, n_filters, dropout=0.0, max_pooling=True):
    for kernel in (3, 3, 1):
        x = layers.Conv2D(n_filters, kernel, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    if not max_pooling:
        return x, x
    return layers.Conv2D(n_filters, 2, strides=2, activation="relu")(x), x
'''

UPSAMPLING2D_THEN_CONV = '''
def upsampling_block(x, skip, n_filters):
    x = layers.UpSampling2D(2, interpolation="bilinear")(x)
    x = layers.Conv2D(n_filters, 2, padding="same", activation="relu")(x)
    x = layers.Concatenate(axis=-1)([x, skip])
    return layers.Conv2D(n_filters, 3, padding="same", activation="relu")(x)
'''

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="loops_relu_layers_and_concatenate_function",
        replace={
            "conv_block": CONV_BLOCK_LOOP_RELU_LAYERS,
            "upsampling_block": UPSAMPLING_CONCATENATE_FUNCTION,
            "build_unet": UNET_FILTER_LIST_AND_ZIP,
        },
        why="a loop of Conv2D + ReLU() layers, MaxPool2D and a conditional expression in the "
        "encoder block, layers.concatenate([skip, up], axis=3) with the skip first, and a U-Net "
        "that zips a list of widths with the skips",
    ),
    RightSubmission(
        name="encoder_decoder_helpers_and_boolean_iou",
        replace={"build_unet": ENCODER_DECODER_HELPERS, "iou": IOU_BOOLEAN_MASKS},
        why="encoder and decoder helper functions, the output activation as a separate "
        "Activation layer named `mask`, and an IoU from logical_and / logical_or of boolean masks",
    ),
    RightSubmission(
        name="smoothed_iou_on_flattened_masks",
        replace={"iou": IOU_SMOOTHED_FLAT},
        why="an IoU on masks flattened per image, the union as a pixel-wise maximum and an "
        "epsilon in numerator and denominator instead of ops.where",
    ),
    RightSubmission(
        name="strided_down_bilinear_up_batchnorm",
        replace={
            "conv_block": STRIDED_DOWN_UPSAMPLING_UP,
            "upsampling_block": UPSAMPLING2D_THEN_CONV,
        },
        why="another design of both blocks: three Conv-BN-ReLU per level and a strided 2x2 "
        "convolution to go down; bilinear UpSampling2D plus a convolution to come back up, one "
        "convolution after the merge",
    ),
]
