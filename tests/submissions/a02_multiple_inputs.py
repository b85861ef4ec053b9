"""Submissions for 02_multiple_inputs: the mistakes of a first two-input model, and right answers
of other designs (a wide appearance branch, a deeper chemistry branch, nested Sequential branches)
and styles (a branch helper with dict inputs, standalone activations, a loop)."""

from tests.submissions import RightSubmission, WrongSubmission

_INPUTS = '''
def build_wine_classifier(chemistry_train, appearance_train, num_classes=3):
    units = 16
    chemistry = keras.Input(shape=(chemistry_train.shape[1],), name="chemistry")
    appearance = keras.Input(shape=(appearance_train.shape[1],), name="appearance")
'''

_NORMS = '''
    chemistry_norm = layers.Normalization()
    chemistry_norm.adapt(chemistry_train)
    appearance_norm = layers.Normalization()
    appearance_norm.adapt(appearance_train)
'''

APPEARANCE_UNUSED = _INPUTS + '''
    chemistry_norm = layers.Normalization()
    chemistry_norm.adapt(chemistry_train)
    c = layers.Dense(units, activation="relu")(chemistry_norm(chemistry))
    cultivar = layers.Dense(num_classes, activation="softmax", name="cultivar")(c)
    return keras.Model([chemistry, appearance], cultivar)
'''

JOINED_BEFORE_BRANCHES = _INPUTS + '''
    both = layers.Concatenate()([chemistry, appearance])
    norm = layers.Normalization()
    norm.adapt(np.concatenate([chemistry_train, appearance_train], axis=1))
    x = layers.Dense(units, activation="relu")(norm(both))
    cultivar = layers.Dense(num_classes, activation="softmax", name="cultivar")(x)
    return keras.Model([chemistry, appearance], cultivar)
'''

ONE_HEAD_PER_BRANCH = _INPUTS + _NORMS + '''
    c = layers.Dense(units, activation="relu")(chemistry_norm(chemistry))
    a = layers.Dense(units, activation="relu")(appearance_norm(appearance))
    from_chemistry = layers.Dense(num_classes, activation="softmax", name="cultivar")(c)
    from_appearance = layers.Dense(num_classes, activation="softmax", name="cultivar_2")(a)
    return keras.Model([chemistry, appearance], [from_chemistry, from_appearance])
'''

NEVER_ADAPTED = _INPUTS + '''
    c = layers.Dense(units, activation="relu")(layers.Normalization()(chemistry))
    a = layers.Dense(units, activation="relu")(layers.Normalization()(appearance))
    merged = layers.Concatenate()([c, a])
    cultivar = layers.Dense(num_classes, activation="softmax", name="cultivar")(merged)
    return keras.Model([chemistry, appearance], cultivar)
'''

UNNAMED_INPUTS = '''
def build_wine_classifier(chemistry_train, appearance_train, num_classes=3):
    units = 16
    chemistry = keras.Input(shape=(chemistry_train.shape[1],))
    appearance = keras.Input(shape=(appearance_train.shape[1],))
''' + _NORMS + '''
    c = layers.Dense(units, activation="relu")(chemistry_norm(chemistry))
    a = layers.Dense(units, activation="relu")(appearance_norm(appearance))
    merged = layers.Concatenate()([c, a])
    cultivar = layers.Dense(num_classes, activation="softmax", name="cultivar")(merged)
    return keras.Model([chemistry, appearance], cultivar)
'''

SHAPES_WRITTEN_IN = '''
def build_wine_classifier(chemistry_train, appearance_train, num_classes=3):
    units = 16
    chemistry = keras.Input(shape=(9,), name="chemistry")
    appearance = keras.Input(shape=(3,), name="appearance")
''' + _NORMS + '''
    c = layers.Dense(units, activation="relu")(chemistry_norm(chemistry))
    a = layers.Dense(units, activation="relu")(appearance_norm(appearance))
    merged = layers.Concatenate()([c, a])
    cultivar = layers.Dense(num_classes, activation="softmax", name="cultivar")(merged)
    return keras.Model([chemistry, appearance], cultivar)
'''

TOO_BIG = _INPUTS.replace("units = 16", "units = 256") + _NORMS + '''
    c = layers.Dense(units, activation="relu")(chemistry_norm(chemistry))
    a = layers.Dense(units, activation="relu")(appearance_norm(appearance))
    merged = layers.Concatenate()([c, a])
    cultivar = layers.Dense(num_classes, activation="softmax", name="cultivar")(merged)
    return keras.Model([chemistry, appearance], cultivar)
'''

ONE_HOT_LOSS_BY_NAME = '''
def train_wine_classifier(model, chemistry, appearance, labels, epochs):
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    data = {"chemistry": chemistry, "appearance": appearance}
    return model.fit(data, labels, epochs=epochs, batch_size=16, verbose=0)
'''

FED_BY_POSITION = '''
def train_wine_classifier(model, chemistry, appearance, labels, epochs):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit([chemistry, appearance], labels, epochs=epochs, batch_size=16, verbose=0)
'''

WRONG_SUBMISSIONS = [
    WrongSubmission(
        name="appearance_unused",
        why="the appearance input is declared but nothing connects it to the output",
        replace={"build_wine_classifier": APPEARANCE_UNUSED},
        loses={
            "test_wine_fusion": "input `appearance` is never used",
            "test_wine_normalization": "no Normalization layer after input `appearance`",
        },
    ),
    WrongSubmission(
        name="joined_before_branches",
        why="the raw inputs are concatenated first: one Normalization and one branch for both",
        replace={"build_wine_classifier": JOINED_BEFORE_BRANCHES},
        loses={
            "test_wine_normalization": "the inputs were joined before each was normalized",
        },
    ),
    WrongSubmission(
        name="one_head_per_branch",
        why="each branch gets its own softmax head: the branches never meet in a merge",
        replace={"build_wine_classifier": ONE_HEAD_PER_BRANCH},
        loses={
            "test_wine_interface": "cultivar_2",
            "test_wine_fusion": "your branches are never merged",
        },
    ),
    WrongSubmission(
        name="never_adapted",
        why="the Normalization layers were never adapted: same parameter counts, no scaling",
        replace={"build_wine_classifier": NEVER_ADAPTED},
        loses={"test_wine_normalization": "the layer was never adapted"},
    ),
    WrongSubmission(
        name="unnamed_inputs",
        why="the inputs keep their automatic names, so nothing can feed them by name",
        replace={"build_wine_classifier": UNNAMED_INPUTS},
        loses={
            "test_wine_interface": "an unnamed input (None, 9)",
            "test_wine_fusion": "Create one keras.Input",
            "test_wine_normalization": "an input named `chemistry`",
        },
    ),
    WrongSubmission(
        name="shapes_written_in",
        why="the example's column counts are written in: the hidden configuration breaks",
        replace={"build_wine_classifier": SHAPES_WRITTEN_IN},
        loses={
            "test_wine_interface": "fails on a second, hidden one",
            "test_wine_fusion": "fails on a second, hidden one",
        },
    ),
    WrongSubmission(
        name="too_big",
        why="256 units per branch: thousands of weights for 124 wines, over the size limit",
        replace={"build_wine_classifier": TOO_BIG},
        loses={"test_wine_size": "at most 1,000 trainable parameters"},
    ),
    WrongSubmission(
        name="fed_by_position",
        why="fit gets a list, so the arrays reach the inputs in declaration order, not by name",
        replace={"train_wine_classifier": FED_BY_POSITION},
        loses={"test_train_by_name": "incompatible with the layer"},
    ),
    WrongSubmission(
        name="one_hot_loss_by_name",
        why="fed by name, but with the cross-entropy that expects one-hot labels",
        replace={"train_wine_classifier": ONE_HOT_LOSS_BY_NAME},
        loses={"test_train_by_name": "must have the same rank"},
    ),
]

BRANCH_HELPER_DICT_INPUTS = """
def build_wine_classifier(chemistry_train, appearance_train, num_classes=3):
    units = 16
    def branch(name, train):
        tensor = keras.Input(shape=train.shape[1:], name=name)
        norm = layers.Normalization()
        norm.adapt(train)
        return tensor, layers.Dense(units, activation="relu")(norm(tensor))

    chemistry, c = branch("chemistry", chemistry_train)
    appearance = keras.Input(shape=appearance_train.shape[1:], name="appearance")
    appearance_scale = layers.Normalization()
    appearance_scale.adapt(appearance_train)
    merged = layers.concatenate([c, appearance_scale(appearance)])  # a wide appearance branch
    cultivar = layers.Dense(num_classes, activation="softmax", name="cultivar")(merged)
    return keras.Model(inputs={"chemistry": chemistry, "appearance": appearance}, outputs=cultivar)
"""

LOOP_WITH_ACTIVATION_LAYERS = """
def build_wine_classifier(chemistry_train, appearance_train, num_classes=3):
    units = 16
    training = {"appearance": appearance_train, "chemistry": chemistry_train}
    inputs, features = [], []
    for name, data in training.items():
        tensor = keras.Input(shape=(data.shape[1],), name=name)
        scaling = layers.Normalization(name=f"{name}_scaling")
        scaling.adapt(data)
        h = layers.Dense(units, name=f"{name}_dense")(scaling(tensor))
        h = layers.Activation("relu")(h)
        h = layers.Dense(units // 2, name=f"{name}_deeper")(h)
        features.append(layers.Activation("tanh")(h))
        inputs.append(tensor)
    scores = layers.Dense(num_classes, name="scores")(layers.Concatenate()(features))
    cultivar = layers.Activation("softmax", name="cultivar")(scores)
    return keras.Model(inputs=inputs, outputs=cultivar)
"""

NESTED_SEQUENTIAL_BRANCHES = """
def build_wine_classifier(chemistry_train, appearance_train, num_classes=3):
    units = 16
    chemistry = keras.Input(shape=(chemistry_train.shape[1],), name="chemistry")
    appearance = keras.Input(shape=(appearance_train.shape[1],), name="appearance")
    branches = []
    for tensor, train in ((chemistry, chemistry_train), (appearance, appearance_train)):
        norm = layers.Normalization()
        norm.adapt(train)
        branch = keras.Sequential([norm, layers.Dense(units, activation="relu")])
        branches.append(branch(tensor))
    merged = layers.Concatenate()(branches)
    cultivar = layers.Dense(num_classes, activation="softmax", name="cultivar")(merged)
    return keras.Model([chemistry, appearance], cultivar)
"""

TRAIN_WITH_OBJECTS = """
def train_wine_classifier(model, chemistry, appearance, labels, epochs):
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    features = dict(appearance=appearance, chemistry=chemistry)
    return model.fit(x=features, y=labels, batch_size=16, epochs=epochs, verbose=0)
"""

RIGHT_SUBMISSIONS = [
    RightSubmission(
        name="wide_appearance_dict_inputs",
        why="another design: the scaled appearance columns join the merge directly (a wide "
        "branch); a helper builds the chemistry branch; layers.concatenate(); dict inputs",
        replace={"build_wine_classifier": BRANCH_HELPER_DICT_INPUTS},
    ),
    RightSubmission(
        name="loop_with_activation_layers",
        why="another design: two layers per branch, relu then tanh; a loop over the groups, "
        "appearance first; activations and softmax as Activation layers (the last `cultivar`)",
        replace={"build_wine_classifier": LOOP_WITH_ACTIVATION_LAYERS},
    ),
    RightSubmission(
        name="nested_sequential_branches",
        why="each branch is a small Sequential model (Normalization, Dense) called on its input; "
        "the trainer compiles with objects and builds the dict with dict()",
        replace={
            "build_wine_classifier": NESTED_SEQUENTIAL_BRANCHES,
            "train_wine_classifier": TRAIN_WITH_OBJECTS,
        },
    ),
]
