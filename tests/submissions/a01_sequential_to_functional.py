"""Submissions for 01_sequential_to_functional: the mistakes of a first Functional model, and
right answers of other designs (a deeper stack built with .add(), a Reshape and a separate
softmax built in a loop) and other styles (a layer found by looping, another optimizer)."""

from tests.submissions import RightSubmission, WrongSubmission

FUNCTIONAL_BUILT_AS_STACK = '''
def build_functional_classifier(hidden_units=128, num_classes=10):
    return keras.Sequential([
        keras.Input(shape=(28, 28), name="image"),
        layers.Flatten(),
        layers.Dense(hidden_units, activation="relu", name="hidden"),
        layers.Dense(num_classes, activation="softmax", name="label"),
    ])
'''

_FUNCTIONAL_HEAD = '''
def build_functional_classifier(hidden_units=128, num_classes=10):
    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten()(inputs)
'''

LOGITS_OUTPUT = _FUNCTIONAL_HEAD + '''
    x = layers.Dense(hidden_units, activation="relu", name="hidden")(x)
    outputs = layers.Dense(num_classes, name="label")(x)
    return keras.Model(inputs, outputs)
'''

SIGMOID_HIDDEN = _FUNCTIONAL_HEAD + '''
    x = layers.Dense(hidden_units, activation="sigmoid", name="hidden")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(inputs, outputs)
'''

TEN_CLASSES_WRITTEN_IN = _FUNCTIONAL_HEAD + '''
    x = layers.Dense(hidden_units, activation="relu", name="hidden")(x)
    outputs = layers.Dense(10, activation="softmax", name="label")(x)
    return keras.Model(inputs, outputs)
'''

UNNAMED_OUTPUT_LAYER = '''
def build_sequential_classifier(hidden_units=128, num_classes=10):
    return keras.Sequential([
        keras.Input(shape=(28, 28), name="image"),
        layers.Flatten(),
        layers.Dense(hidden_units, activation="relu", name="hidden"),
        layers.Dense(num_classes, activation="softmax"),
    ])
'''

EXTRACTOR_FROM_MODEL_INPUT = '''
def build_feature_extractor(model, layer_name):
    return keras.Model(model.input, model.get_layer(layer_name).output)
'''

EXTRACTOR_WITH_NEW_LAYERS = '''
def build_feature_extractor(model, layer_name):
    units = model.get_layer(layer_name).output.shape[-1]
    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten()(inputs)
    outputs = layers.Dense(units, activation="relu", name=layer_name)(x)
    return keras.Model(inputs, outputs)
'''

ONE_HOT_LOSS = '''
def train_classifier(model, x, y, epochs):
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
'''

LINEAR_HIDDEN_IN_BOTH_STACK = '''
def build_sequential_classifier(hidden_units=128, num_classes=10):
    return keras.Sequential([
        keras.Input(shape=(28, 28), name="image"),
        layers.Flatten(),
        layers.Dense(hidden_units, name="hidden"),
        layers.Dense(num_classes, activation="softmax", name="label"),
    ])
'''

LINEAR_HIDDEN_IN_BOTH_GRAPH = _FUNCTIONAL_HEAD + '''
    x = layers.Dense(hidden_units, name="hidden")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="label")(x)
    return keras.Model(inputs, outputs)
'''

RETURNS_THE_MODEL = '''
def train_classifier(model, x, y, epochs):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return model
'''

HIDDEN_UNITS_IGNORED = """
def build_sequential_classifier(hidden_units=128, num_classes=10):
    return keras.Sequential([
        keras.Input(shape=(28, 28), name="image"),
        layers.Flatten(),
        layers.Dense(128, activation="relu", name="hidden"),
        layers.Dense(num_classes, activation="softmax", name="label"),
    ])
"""

TOO_BIG = """
def build_sequential_classifier(hidden_units=128, num_classes=10):
    return keras.Sequential([
        keras.Input(shape=(28, 28), name="image"),
        layers.Flatten(),
        layers.Dense(512, activation="relu"),
        layers.Dense(hidden_units, activation="relu", name="hidden"),
        layers.Dense(num_classes, activation="softmax", name="label"),
    ])
"""

EXTRACTOR_TAKES_LAYER_BEFORE_OUTPUT = """
def build_feature_extractor(model, layer_name):
    return keras.Model(model.inputs, model.layers[-2].output)
"""

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="functional_built_as_stack",
        why="the 'Functional' builder returns a Sequential model: same layers, wrong kind",
        replace={"build_functional_classifier": FUNCTIONAL_BUILT_AS_STACK},
        loses={"test_functional_classifier": "expected: a Functional model"},
    ),
    WrongSubmission(
        name="logits_output",
        why="the Functional build forgets the softmax, so its output layer differs from the stack",
        replace={"build_functional_classifier": LOGITS_OUTPUT},
        loses={"test_functional_classifier": "a linear output gives logits"},
    ),
    WrongSubmission(
        name="sigmoid_hidden",
        why="the hidden layer differs between the builds; totals and interface agree",
        replace={"build_functional_classifier": SIGMOID_HIDDEN},
        loses={"test_functional_classifier": "activation relu expected, found sigmoid"},
    ),
    WrongSubmission(
        name="ten_classes_written_in",
        why="num_classes is ignored: the example's 10 passes the visible test only",
        replace={"build_functional_classifier": TEN_CLASSES_WRITTEN_IN},
        loses={"test_functional_classifier": "fails on a second, hidden one"},
    ),
    WrongSubmission(
        name="linear_hidden_in_both",
        why="the hidden layer has no activation in either build: the builds agree, both are wrong",
        replace={
            "build_sequential_classifier": LINEAR_HIDDEN_IN_BOTH_STACK,
            "build_functional_classifier": LINEAR_HIDDEN_IN_BOTH_GRAPH,
        },
        loses={"test_sequential_classifier": "the layer `hidden` is linear"},
    ),
    WrongSubmission(
        name="unnamed_output_layer",
        why="the stack's last layer keeps its automatic name, so there is no output `label`",
        replace={"build_sequential_classifier": UNNAMED_OUTPUT_LAYER},
        loses={"test_sequential_classifier": "missing `label`"},
    ),
    WrongSubmission(
        name="hidden_units_ignored",
        why="the hidden layer's width is written in, so `hidden_units` changes nothing",
        replace={"build_sequential_classifier": HIDDEN_UNITS_IGNORED},
        loses={"test_sequential_classifier": "with `hidden_units` outputs"},
        also_zero=("test_functional_classifier", "test_feature_extractor"),
    ),
    WrongSubmission(
        name="too_big",
        why="a 512-unit layer before `hidden` breaks the size limit the task sets",
        replace={"build_sequential_classifier": TOO_BIG},
        loses={"test_sequential_classifier": "at most 200,000 parameters"},
        also_zero=("test_functional_classifier",),
    ),
    WrongSubmission(
        name="extractor_from_model_input",
        why="model.input does not exist on a Sequential model that was never called",
        replace={"build_feature_extractor": EXTRACTOR_FROM_MODEL_INPUT},
        loses={"test_feature_extractor": "has never been called"},
    ),
    WrongSubmission(
        name="extractor_with_new_layers",
        why="the extractor is a fresh network of the right shape, not the classifier's layers",
        replace={"build_feature_extractor": EXTRACTOR_WITH_NEW_LAYERS},
        loses={"test_feature_extractor": "the extractor's weights are not the classifier's"},
    ),
    WrongSubmission(
        name="extractor_takes_layer_before_output",
        why="the extractor ignores `layer_name` and stops one layer before the output, which "
        "happens to be `hidden` in the student's own classifier",
        replace={"build_feature_extractor": EXTRACTOR_TAKES_LAYER_BEFORE_OUTPUT},
        loses={"test_feature_extractor": "ignores the layer name it is given"},
    ),
    WrongSubmission(
        name="one_hot_loss",
        why="categorical_crossentropy expects one-hot labels; ours are integers",
        replace={"train_classifier": ONE_HOT_LOSS},
        loses={"test_train_classifier": "must have the same rank"},
    ),
    WrongSubmission(
        name="returns_the_model",
        why="the helper returns the model, not the History that fit returns",
        replace={"train_classifier": RETURNS_THE_MODEL},
        loses={"test_train_classifier": "must return what model.fit returns"},
    ),
]

DEEPER_STACK_BY_ADD = """
def build_sequential_classifier(hidden_units=128, num_classes=10):
    model = keras.Sequential(name="stack")
    model.add(keras.Input(shape=(28, 28), name="image"))
    model.add(layers.Flatten())
    model.add(layers.Dense(96, activation="relu"))
    model.add(layers.Dropout(0.2))
    model.add(layers.Dense(hidden_units, activation="relu", name="hidden"))
    model.add(layers.Dense(num_classes, activation="softmax", name="label"))
    return model
"""

DEEPER_GRAPH = """
def build_functional_classifier(hidden_units=128, num_classes=10):
    image = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten()(image)
    x = layers.Dense(96, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(hidden_units, activation="relu", name="hidden")(x)
    return keras.Model(image, layers.Dense(num_classes, activation="softmax", name="label")(x))
"""

RESHAPE_STACK = """
def classifier_layers(hidden_units, num_classes):
    return [
        layers.Reshape((28 * 28,)),
        layers.Dense(hidden_units, activation="gelu", name="hidden"),
        layers.Dense(num_classes, name="scores"),
        layers.Activation("softmax", name="label"),
    ]


def build_sequential_classifier(hidden_units=128, num_classes=10):
    image = keras.Input(shape=(28, 28), name="image")
    return keras.Sequential([image] + classifier_layers(hidden_units, num_classes))
"""

RESHAPE_GRAPH_IN_A_LOOP = """
def build_functional_classifier(hidden_units=128, num_classes=10):
    image = keras.Input(shape=(28, 28), name="image")
    x = image
    for layer in classifier_layers(hidden_units, num_classes):
        x = layer(x)
    return keras.Model(inputs=image, outputs=x)
"""

EXTRACTOR_BY_LOOKUP = """
def build_feature_extractor(model, layer_name):
    chosen = next(layer for layer in model.layers if layer.name == layer_name)
    return keras.Model(inputs=model.inputs, outputs=chosen.output)
"""

TRAINER_WITH_RMSPROP = """
def train_classifier(model, x, y, epochs):
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x=x, y=y, batch_size=32, epochs=epochs, verbose=0)
    return history
"""

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="deeper_stack_by_add",
        why="another design: an extra layer and a Dropout before `hidden`; the stack is built "
        "with .add(), the graph one call per line",
        replace={
            "build_sequential_classifier": DEEPER_STACK_BY_ADD,
            "build_functional_classifier": DEEPER_GRAPH,
        },
    ),
    RightSubmission(
        name="reshape_and_separate_softmax",
        why="another design: Reshape instead of Flatten, gelu, the softmax as a layer of its "
        "own; both builds call one helper that lists the layers, the graph in a loop",
        replace={
            "build_sequential_classifier": RESHAPE_STACK,
            "build_functional_classifier": RESHAPE_GRAPH_IN_A_LOOP,
        },
    ),
    RightSubmission(
        name="lookup_and_rmsprop",
        why="the extractor finds the layer by looping over model.layers; the trainer passes "
        "compile's arguments by position, another optimizer and batch size",
        replace={
            "build_feature_extractor": EXTRACTOR_BY_LOOKUP,
            "train_classifier": TRAINER_WITH_RMSPROP,
        },
    ),
]
