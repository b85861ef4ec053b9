"""Wrong submissions for 01_sequential_to_functional: the mistakes of a first Functional model."""

from tests.submissions import WrongSubmission

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
