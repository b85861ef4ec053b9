"""Submissions for 01_sequential_to_functional: the mistakes of a first Functional model, and
right answers written with .add(), layers created before they are called, and keyword arguments."""

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
        loses={
            "test_functional_classifier": "a linear output gives logits",
            "test_same_network": "activation softmax expected, found linear",
        },
    ),
    WrongSubmission(
        name="sigmoid_hidden",
        why="the hidden layer differs between the builds; totals and interface agree",
        replace={"build_functional_classifier": SIGMOID_HIDDEN},
        loses={"test_same_network": "activation relu expected, found sigmoid"},
    ),
    WrongSubmission(
        name="ten_classes_written_in",
        why="num_classes is ignored: the example's 10 passes the visible test only",
        replace={"build_functional_classifier": TEN_CLASSES_WRITTEN_IN},
        loses={"test_functional_classifier": "(None, 4)"},
        also_zero=("test_same_network", "test_feature_extractor"),
    ),
    WrongSubmission(
        name="linear_hidden_in_both",
        why="the hidden layer has no activation in either build: the builds agree, both are wrong",
        replace={
            "build_sequential_classifier": LINEAR_HIDDEN_IN_BOTH_STACK,
            "build_functional_classifier": LINEAR_HIDDEN_IN_BOTH_GRAPH,
        },
        loses={"test_sequential_classifier": "activation relu expected, found linear"},
    ),
    WrongSubmission(
        name="unnamed_output_layer",
        why="the stack's last layer keeps its automatic name, so there is no output `label`",
        replace={"build_sequential_classifier": UNNAMED_OUTPUT_LAYER},
        loses={"test_sequential_classifier": "missing `label`"},
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

STACK_BY_ADD = """
def build_sequential_classifier(hidden_units=128, num_classes=10):
    model = keras.Sequential(name="stack")
    model.add(keras.Input(shape=(28, 28), name="image"))
    model.add(layers.Flatten())
    model.add(layers.Dense(hidden_units, activation="relu", name="hidden"))
    model.add(layers.Dense(num_classes, activation="softmax", name="label"))
    return model
"""

GRAPH_FROM_LAYERS_MADE_FIRST = """
def build_functional_classifier(hidden_units=128, num_classes=10):
    flatten = layers.Flatten()
    hidden = layers.Dense(hidden_units, activation="relu", name="hidden")
    label = layers.Dense(num_classes, activation="softmax", name="label")

    image = keras.Input(shape=(28, 28), name="image")
    x = image
    for layer in (flatten, hidden, label):
        x = layer(x)
    return keras.Model(inputs=image, outputs=x)
"""

EXTRACTOR_BY_LOOKUP = """
def build_feature_extractor(model, layer_name):
    chosen = next(layer for layer in model.layers if layer.name == layer_name)
    return keras.Model(inputs=model.inputs, outputs=chosen.output)
"""

TRAINER_WITH_OBJECTS = """
def train_classifier(model, x, y, epochs):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    history = model.fit(x=x, y=y, batch_size=64, epochs=epochs, verbose=0)
    return history
"""

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="stack_by_add",
        why="the Sequential model starts empty and receives its input and layers with .add()",
        replace={"build_sequential_classifier": STACK_BY_ADD},
    ),
    RightSubmission(
        name="graph_from_layers_made_first",
        why="the layers are created first and called in a loop; keras.Model gets keywords",
        replace={"build_functional_classifier": GRAPH_FROM_LAYERS_MADE_FIRST},
    ),
    RightSubmission(
        name="lookup_and_objects",
        why="the extractor finds the layer by looping over model.layers; the trainer compiles "
        "with optimizer and loss objects and passes fit keywords",
        replace={
            "build_feature_extractor": EXTRACTOR_BY_LOOKUP,
            "train_classifier": TRAINER_WITH_OBJECTS,
        },
    ),
]
