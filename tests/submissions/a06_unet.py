"""Realistic wrong submissions for 06_unet."""

from tests.submissions import WrongSubmission

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

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="conv_block_skip_after_pooling",
        replace={"conv_block": CONV_BLOCK_SKIP_AFTER_POOLING},
        loses={"test_conv_block": "the skip must be taken before pooling"},
        also_zero=("test_build_unet",),
        why="the skip is the pooled tensor, so it has half the resolution the decoder needs",
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
]
