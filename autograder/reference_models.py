"""Reference models with known topology, used to test the checks, in demos and in benchmarks.

Each builder returns an untrained model with random initial weights: nothing is downloaded.
The large ones reproduce architectures whose sizes are published (the Deep Learning
Specialization's ResNet50 and U-Net, the keras.io Functional API guide's toy ResNet), so a
check can be tested against a model whose merges and skips are known in advance. The small
ones build in well under a second, for unit tests and course demos.

Sizes (Keras 3, channels_last):

=============================  ============  ==========================================
builder                        parameters    topology
=============================  ============  ==========================================
``resnet50_dls()``             23,600,006    16 residual merges: 12 identity, 4 projection
``unet_dls()``                 8,640,471     4 concatenate skips, one per level
``toy_resnet_keras_io()``      223,242       2 identity merges
=============================  ============  ==========================================
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

Tensor = keras.KerasTensor

# -- ResNet ---------------------------------------------------------------------------------------


def identity_block(x: Tensor, kernel_size: int, filters: Sequence[int]) -> Tensor:
    """Bottleneck block whose shortcut is the block's input itself (shapes already agree).

    The sum comes before the last ReLU, so the block can learn the identity by zeroing its
    weights.
    """
    f1, f2, f3 = filters
    shortcut = x
    x = _conv_bn(x, f1, 1, activation="relu")
    x = _conv_bn(x, f2, kernel_size, padding="same", activation="relu")
    x = _conv_bn(x, f3, 1)
    x = layers.Add()([x, shortcut])
    return layers.Activation("relu")(x)


def projection_block(
    x: Tensor, kernel_size: int, filters: Sequence[int], strides: int = 2
) -> Tensor:
    """Bottleneck block that changes shape, so its shortcut is a strided 1x1 conv + BN.

    The DLS calls this the "convolutional block": the first 1x1 conv carries the stride.
    """
    f1, f2, f3 = filters
    shortcut = _conv_bn(x, f3, 1, strides=strides)
    x = _conv_bn(x, f1, 1, strides=strides, activation="relu")
    x = _conv_bn(x, f2, kernel_size, padding="same", activation="relu")
    x = _conv_bn(x, f3, 1)
    x = layers.Add()([x, shortcut])
    return layers.Activation("relu")(x)


def _conv_bn(
    x: Tensor,
    filters: int,
    kernel_size: int,
    strides: int = 1,
    padding: str = "valid",
    activation: str | None = None,
) -> Tensor:
    """Conv2D then BatchNormalization over channels, with an optional separate activation."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding)(x)
    x = layers.BatchNormalization(axis=3)(x)
    if activation:
        x = layers.Activation(activation)(x)
    return x


# (filters of the three convs, number of blocks, stride of the stage's first block)
_RESNET50_STAGES = (
    ((64, 64, 256), 3, 1),
    ((128, 128, 512), 4, 2),
    ((256, 256, 1024), 6, 2),
    ((512, 512, 2048), 3, 2),
)


def resnet50_dls(input_shape: tuple[int, int, int] = (64, 64, 3), classes: int = 6) -> keras.Model:
    """The Deep Learning Specialization's ResNet50: 23,600,006 parameters for the defaults.

    Each stage opens with a projection block (the shape changes) followed by identity blocks:
    4 projection and 12 identity merges in all.
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.ZeroPadding2D((3, 3))(inputs)
    x = _conv_bn(x, 64, 7, strides=2, activation="relu")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for filters, blocks, strides in _RESNET50_STAGES:
        x = projection_block(x, 3, filters, strides=strides)
        for _ in range(blocks - 1):
            x = identity_block(x, 3, filters)
    x = layers.AveragePooling2D((2, 2))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(classes, activation="softmax", name="class")(x)
    return keras.Model(inputs, outputs, name="resnet50_dls")


def tiny_resnet(
    input_shape: tuple[int, int, int] = (32, 32, 3), classes: int = 10, filters: int = 8
) -> keras.Model:
    """A small ResNet for fast tests: a stem, one identity block and one projection block.

    Two residual merges (1 identity, 1 projection), each added before the block's last ReLU.
    """
    inputs = keras.Input(input_shape, name="image")
    x = _conv_bn(inputs, filters, 3, strides=2, padding="same", activation="relu")
    x = identity_block(x, 3, (filters, filters, filters))
    x = projection_block(x, 3, (filters, filters, 2 * filters), strides=2)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax", name="class")(x)
    return keras.Model(inputs, outputs, name="tiny_resnet")


def toy_resnet_keras_io(
    input_shape: tuple[int, int, int] = (32, 32, 3), classes: int = 10
) -> keras.Model:
    """The keras.io Functional API guide's toy ResNet for CIFAR10: 223,242 parameters.

    Its two residual merges are identity merges added *after* the convs' ReLU, with no
    activation after the sum: a model that ``activation_after_merge=True`` must reject.
    """
    inputs = keras.Input(input_shape, name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_output = layers.MaxPooling2D(3)(x)
    for _ in range(2):
        x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_output)
        x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
        block_output = layers.add([x, block_output])
    x = layers.Conv2D(64, 3, activation="relu")(block_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="toy_resnet")


# -- U-Net ----------------------------------------------------------------------------------------


def conv_block(
    x: Tensor, n_filters: int, dropout: float = 0.0, max_pooling: bool = True
) -> tuple[Tensor, Tensor]:
    """One encoder level: two 3x3 ReLU convs, then optional dropout and 2x2 max-pooling.

    Returns ``(next_input, skip)``: the skip is taken before pooling, at full resolution.
    """
    for _ in range(2):
        x = layers.Conv2D(
            n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal"
        )(x)
    if dropout > 0:
        x = layers.Dropout(dropout)(x)
    skip = x
    if max_pooling:
        x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    return x, skip


def upsampling_block(x: Tensor, skip: Tensor, n_filters: int) -> Tensor:
    """One decoder level: double the resolution, concatenate the encoder's skip, two convs."""
    x = layers.Conv2DTranspose(n_filters, 3, strides=2, padding="same")(x)
    x = layers.Concatenate(axis=3)([x, skip])
    for _ in range(2):
        x = layers.Conv2D(
            n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal"
        )(x)
    return x


def unet(
    input_size: tuple[int, int, int],
    n_filters: int,
    n_classes: int,
    depth: int,
    bottom_dropout_levels: int = 0,
    name: str = "unet",
) -> keras.Model:
    """A U-Net with ``depth`` pooled levels (one skip each) plus a bottleneck level.

    Filters double at each level; the ``bottom_dropout_levels`` deepest levels (bottleneck
    included) use dropout 0.3, as in the DLS version.
    """
    inputs = keras.Input(input_size, name="image")
    x, skips = inputs, []
    for level in range(depth + 1):
        dropout = 0.3 if level > depth - bottom_dropout_levels else 0.0
        x, skip = conv_block(x, n_filters * 2**level, dropout, max_pooling=level < depth)
        skips.append(skip)
    for level in reversed(range(depth)):
        x = upsampling_block(x, skips[level], n_filters * 2**level)
    x = layers.Conv2D(
        n_filters, 3, activation="relu", padding="same", kernel_initializer="he_normal"
    )(x)
    outputs = layers.Conv2D(n_classes, 1, padding="same", name="mask")(x)
    return keras.Model(inputs, outputs, name=name)


def unet_dls(
    input_size: tuple[int, int, int] = (96, 128, 3), n_filters: int = 32, n_classes: int = 23
) -> keras.Model:
    """The Deep Learning Specialization's U-Net: 8,640,471 parameters for the defaults.

    Four pooled levels (n, 2n, 4n, 8n filters), a 16n bottleneck, four skips.
    """
    return unet(input_size, n_filters, n_classes, depth=4, bottom_dropout_levels=2, name="unet_dls")


def tiny_unet(
    input_size: tuple[int, int, int] = (32, 32, 3), n_filters: int = 4, n_classes: int = 2
) -> keras.Model:
    """A 2-level U-Net on 32x32 for fast tests: skips at 32x32 and 16x16."""
    return unet(input_size, n_filters, n_classes, depth=2, name="tiny_unet")


def residual_segmenter(
    input_size: tuple[int, int, int] = (32, 32, 3),
    n_classes: int = 3,
    filters: Sequence[int] = (8, 16),
) -> keras.Model:
    """A "U-Net-like" segmenter in the style of keras.io's Oxford Pets example: not a U-Net.

    Each encoder block (two separable convs, then a strided pooling) and each decoder block
    (two transposed convs, then up-sampling) adds a residual: a 1x1 projection of the block's
    input, resized to match. No encoder feature map is ever concatenated into the decoder, so
    the U-Net check must reject it and say why.
    """
    inputs = keras.Input(input_size, name="image")
    x = layers.Conv2D(filters[0], 3, strides=2, padding="same")(inputs)
    x = layers.Activation("relu")(layers.BatchNormalization()(x))
    for n in filters:
        block_input = x
        x = _two_convs(x, layers.SeparableConv2D, n)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        x = layers.add([x, layers.Conv2D(n, 1, strides=2, padding="same")(block_input)])
    for n in reversed(filters):
        block_input = x
        x = _two_convs(x, layers.Conv2DTranspose, n)
        x = layers.UpSampling2D(2)(x)
        shortcut = layers.Conv2D(n, 1, padding="same")(layers.UpSampling2D(2)(block_input))
        x = layers.add([x, shortcut])
    x = layers.UpSampling2D(2)(x)
    outputs = layers.Conv2D(n_classes, 3, activation="softmax", padding="same", name="mask")(x)
    return keras.Model(inputs, outputs, name="residual_segmenter")


def _two_convs(x: Tensor, conv: type, filters: int) -> Tensor:
    """ReLU, conv, BN twice: the body of one block of the residual segmenter."""
    for _ in range(2):
        x = layers.Activation("relu")(x)
        x = conv(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
    return x


# -- Multiple inputs ------------------------------------------------------------------------------


def two_input_classifier(
    input_sizes: dict[str, int], units: int = 8, classes: int = 3, output: str = "output"
) -> keras.Model:
    """One Dense branch per named input, concatenated, then a softmax head named ``output``.

    The inputs are declared in the order of ``input_sizes``, so a test can hand a training
    helper a model whose inputs come in an unexpected order: fed by position it fails, fed by
    name (a dict) it works.
    """
    inputs = [keras.Input(shape=(n,), name=name) for name, n in input_sizes.items()]
    branches = [layers.Dense(units, activation="relu")(x) for x in inputs]
    merged = layers.Concatenate()(branches) if len(branches) > 1 else branches[0]
    outputs = layers.Dense(classes, activation="softmax", name=output)(merged)
    return keras.Model(inputs, outputs, name="two_input_classifier")
