"""Write lessons 01-04 in course/ as nbformat v4 notebooks without outputs.

    python scripts/build_lessons_part1.py

The notebooks are the files people read and edit; this script is only how their first version
was produced, kept so the four can be regenerated consistently (cell ids are fixed, so a rebuild
of unchanged text gives identical files). Each lesson has the same shape: objectives, setup,
concept sections (one sentence, then a short cell), "Your turn", summary, where this leads.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

COURSE = Path(__file__).resolve().parents[1] / "course"

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip("\n"))


def code(text: str) -> tuple[str, str]:
    return ("code", textwrap.dedent(text).strip("\n"))


def setup_cell(helpers: list[str]) -> tuple[str, str]:
    """The Setup cell every lesson starts with; ``helpers`` is what it imports from the course."""
    names = "".join(f"    {name},\n" for name in sorted(helpers, key=str.lower))
    return code(
        "from autograder.course import quiet_tensorflow\n"
        "\n"
        "quiet_tensorflow()  # before the first `import keras`: keeps TensorFlow's logs out\n"
        "\n"
        "import keras\n"
        "import matplotlib.pyplot as plt\n"
        "import numpy as np\n"
        "from keras import layers\n"
        "\n"
        f"from autograder.course import (\n{names})\n"
        "\n"
        "print(check_versions())\n"
        "EPOCHS = 2 if grading_mode() else 4  # the grader and CI may train for fewer epochs\n"
    )


def write(stem: str, cells: list[tuple[str, str]]) -> Path:
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    for i, (kind, source) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
        cell["id"] = f"{stem[:2]}-{i:03d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    path = COURSE / f"{stem}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


# --------------------------------------------------------------------------------------- 01

LESSON_01 = [
    md(
        """
        # Lesson 01 · From Sequential to Functional

        A `keras.Sequential` model is a list of layers, each handing exactly one tensor to the
        next. Many useful networks fit that mould, but many do not. In this lesson we build one
        small clothing classifier twice, once as a stack and once as a graph, check that the two
        are the same network, and then look at what the graph form can say that the stack cannot.
        """
    ),
    md(
        """
        ## Objectives

        By the end of this lesson you can:

        - name four designs a `Sequential` model cannot express: two inputs, two outputs, a
          merge of tensors, and one layer applied to two tensors;
        - write the same classifier with `keras.Sequential` and with the Functional API, and
          check that both have the same layers and the same number of parameters;
        - read `model.summary()` and a model diagram as the description of a graph;
        - turn an inner layer of a trained model into a feature extractor;
        - answer "are Functional models slower?" with your own measurements.
        """
    ),
    md(
        """
        ## Setup

        `quiet_tensorflow()` must run before Keras is imported; `reset()` clears the Keras
        session and seeds every random generator, and we call it before building each model.
        """
    ),
    setup_cell(
        [
            "CLASS_NAMES",
            "check_versions",
            "grading_mode",
            "load_fashion_subset",
            "plot_history",
            "reset",
            "show_images",
            "show_model",
        ]
    ),
    md(
        """
        ## 1. The data

        The course ships a small, balanced subset of Fashion-MNIST, so nothing is downloaded.
        We take 5,000 training and 1,000 test images, with pixels scaled to [0, 1].
        """
    ),
    code(
        """
        (x_train, y_train), (x_test, y_test) = load_fashion_subset(n_train=5000, n_test=1000)
        print(x_train.shape, x_train.dtype, x_test.shape)
        print(y_train[:10])
        """
    ),
    md("Every image is a 28×28 grid of grey levels; every label is one of ten kinds of clothing."),
    code("show_images(x_train, y_train, n=10)"),
    md(
        """
        ## 2. The classifier as a stack

        With `keras.Sequential` we list the layers in order and Keras wires each to the one
        before. `keras.Input` states the shape of one example; the batch size stays open.
        """
    ),
    code(
        """
        reset(seed=42)
        seq_model = keras.Sequential(
            [
                keras.Input(shape=(28, 28), name="image"),
                layers.Flatten(name="flatten"),
                layers.Dense(128, activation="relu", name="hidden"),
                layers.Dense(10, activation="softmax", name="class_probs"),
            ],
            name="seq_classifier",
        )
        seq_model.summary()
        """
    ),
    md(
        """
        ## 3. The same classifier as a graph

        With the Functional API we create the input tensor ourselves, call each layer on a
        tensor to get the next tensor, and finally tell `keras.Model` where the graph begins and
        where it ends.
        """
    ),
    code(
        """
        reset(seed=42)
        inputs = keras.Input(shape=(28, 28), name="image")
        x = layers.Flatten(name="flatten")(inputs)
        x = layers.Dense(128, activation="relu", name="hidden")(x)
        outputs = layers.Dense(10, activation="softmax", name="class_probs")(x)
        fn_model = keras.Model(inputs=inputs, outputs=outputs, name="fn_classifier")
        fn_model.summary()
        """
    ),
    md(
        """
        No data flowed through that cell. `inputs` and `x` are symbolic `KerasTensor`s: they
        carry a shape and a dtype, and each layer call records one more node of the graph.
        """
    ),
    code(
        """
        print(inputs)
        print(x)
        """
    ),
    md(
        """
        The two objects have different classes, yet the same content. We compare them without
        relying on layer order or on automatic names, by sorting a (class, output shape,
        parameters) description of every layer. `InputLayer` is left out: a Functional model
        lists it, a Sequential one does not.
        """
    ),
    code(
        '''
        def layer_signature(model):
            """An order-free description of a model's layers: (class, output shape, params)."""
            return sorted(
                (type(layer).__name__, str(layer.output.shape), layer.count_params())
                for layer in model.layers
                if not isinstance(layer, keras.layers.InputLayer)
            )


        print("classes:   ", type(seq_model).__name__, "vs", type(fn_model).__name__)
        print("parameters:", seq_model.count_params(), "vs", fn_model.count_params())
        print("same layers:", layer_signature(seq_model) == layer_signature(fn_model))
        '''
    ),
    md(
        """
        Because their weight lists line up one to one, we can copy the weights of one build into
        the other; the two then compute exactly the same function.
        """
    ),
    code(
        """
        fn_model.set_weights(seq_model.get_weights())
        same = np.allclose(seq_model.predict(x_test[:100], verbose=0),
                           fn_model.predict(x_test[:100], verbose=0))
        print("identical predictions:", same)
        """
    ),
    md(
        """
        ## 4. Reading the summary and the diagram

        Each row of `summary()` is a layer. *Output Shape* begins with `None`, the batch size
        that is left open. *Param #* counts weights: a `Dense` layer with *n* inputs and *m*
        units holds an *n*×*m* kernel plus *m* biases. Flatten has nothing to learn.
        """
    ),
    code(
        """
        hidden_params = 28 * 28 * 128 + 128
        output_params = 128 * 10 + 10
        print(hidden_params, output_params, hidden_params + output_params)
        """
    ),
    md(
        """
        A diagram tells the same story as a graph: boxes are layers, arrows are the tensors
        passed between them, and each box shows the shape going in and coming out.
        """
    ),
    code("show_model(fn_model)"),
    md(
        """
        The model also answers questions about its graph in code: its input and output
        tensors, and, for any layer, the tensors it reads and writes. (Keras 3 dropped
        `layer.output_shape`; ask for `layer.output.shape` instead.)
        """
    ),
    code(
        """
        print("input: ", fn_model.input.name, fn_model.input.shape)
        print("output:", fn_model.output.shape)
        hidden = fn_model.get_layer("hidden")
        print("hidden:", hidden.input.shape, "->", hidden.output.shape)
        """
    ),
    md(
        """
        ## 5. What a stack cannot express

        Each tiny graph below breaks the "one tensor in, one tensor out" rule somewhere, so none
        has a `Sequential` form. They are untrained: we only look at their shape.

        **Two inputs.** An image and a short vector of numbers, each processed, then joined:
        """
    ),
    code(
        """
        reset()
        image = keras.Input(shape=(28, 28), name="image")
        numbers = keras.Input(shape=(4,), name="numbers")
        joined = layers.Concatenate(name="join")([layers.Flatten()(image), numbers])
        score = layers.Dense(1, activation="sigmoid", name="score")(joined)
        two_inputs = keras.Model(inputs=[image, numbers], outputs=score, name="two_inputs")
        show_model(two_inputs)
        """
    ),
    md("**Two outputs.** One trunk feeding two heads that answer different questions:"),
    code(
        """
        reset()
        image = keras.Input(shape=(28, 28), name="image")
        trunk = layers.Dense(32, activation="relu", name="trunk")(layers.Flatten()(image))
        category = layers.Dense(10, activation="softmax", name="category")(trunk)
        footwear = layers.Dense(1, activation="sigmoid", name="footwear")(trunk)
        two_outputs = keras.Model(inputs=image, outputs=[category, footwear], name="two_outputs")
        show_model(two_outputs)
        """
    ),
    md(
        """
        **A merge.** A tensor that goes around a layer and is added to that layer's result,
        the idea behind ResNet:
        """
    ),
    code(
        """
        reset()
        features = keras.Input(shape=(32,), name="features")
        h = layers.Dense(32, activation="relu", name="transform")(features)
        merged = layers.Add(name="skip_add")([features, h])
        out = layers.Dense(10, activation="softmax", name="class_probs")(merged)
        skip = keras.Model(inputs=features, outputs=out, name="skip")
        show_model(skip)
        """
    ),
    md(
        """
        **A reused layer.** One layer object called on two tensors applies the very same
        weights to both, the idea behind Siamese networks:
        """
    ),
    code(
        """
        reset()
        left = keras.Input(shape=(16,), name="left")
        right = keras.Input(shape=(16,), name="right")
        embed = layers.Dense(8, name="embed")
        both = layers.Concatenate(name="pair")([embed(left), embed(right)])
        same = layers.Dense(1, activation="sigmoid", name="same")(both)
        shared = keras.Model(inputs=[left, right], outputs=same, name="shared")
        print("embed holds", embed.count_params(), "parameters (16*8 + 8), used twice")
        show_model(shared)
        """
    ),
    md(
        """
        A stack has nowhere to put the second operand of a merge. Ask for one anyway and Keras
        refuses when it builds the model:
        """
    ),
    code(
        """
        try:
            keras.Sequential([keras.Input(shape=(32,)), layers.Add()])
        except ValueError as error:
            print("ValueError:", error)
        """
    ),
    md(
        """
        ## 6. Train, then reuse an inner layer

        Training does not care how a model was built: `compile`, then `fit`. We train the
        Functional build and plot its learning curves.
        """
    ),
    code(
        """
        fn_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                         metrics=["accuracy"])
        history = fn_model.fit(x_train, y_train, epochs=EPOCHS, batch_size=64,
                               validation_split=0.1, verbose=0)
        plot_history(history, metrics=["loss", "accuracy"])
        """
    ),
    md("On images it has never seen, wrong predictions are drawn in red:"),
    code(
        """
        test_loss, test_accuracy = fn_model.evaluate(x_test, y_test, verbose=0)
        print(f"test accuracy: {test_accuracy:.3f}")
        predicted = fn_model.predict(x_test[:10], verbose=0).argmax(axis=1)
        show_images(x_test, y_test, predictions=predicted, n=10)
        """
    ),
    md(
        """
        Every intermediate tensor belongs to the graph, so a new model can stop early: from the
        same input to the output of the layer named `hidden`. It reuses the trained layers (no
        copy), turning each image into the 128 numbers the classifier decides from.
        """
    ),
    code(
        """
        feature_model = keras.Model(fn_model.input, fn_model.get_layer("hidden").output,
                                    name="features")
        features = feature_model.predict(x_test, verbose=0)
        print(features.shape)
        print("same trained layer:", feature_model.get_layer("hidden") is hidden)
        """
    ),
    md(
        """
        To see what these features capture, we project them onto their two main directions
        (a PCA done with NumPy) and colour each test image by its true class.
        """
    ),
    code(
        """
        # extra code – a 2-D PCA of the hidden features, coloured by class
        centered = features - features.mean(axis=0)
        _, _, directions = np.linalg.svd(centered, full_matrices=False)
        xy = centered @ directions[:2].T
        plt.figure(figsize=(6, 4.5))
        points = plt.scatter(xy[:, 0], xy[:, 1], c=y_test, cmap="tab10", s=6)
        plt.legend(points.legend_elements()[0], CLASS_NAMES, fontsize=7, loc="best")
        plt.title("Hidden features of the test images (first two PCA directions)")
        plt.show()
        """
    ),
    md(
        """
        Footwear and trousers settle away from the rest, while shirts, pullovers and coats
        share one crowded region: those are the classes the model mixes up most often. A
        Sequential build can be cut the same way; its input tensor is in the list
        `seq_model.inputs`.
        """
    ),
    code('keras.Model(seq_model.inputs, seq_model.get_layer("hidden").output).output.shape'),
    md(
        """
        ## 7. Are Functional models slower?

        It is sometimes said that the flexibility of the Functional API costs speed. Rather than
        argue, we time both builds on the same work: predicting 20,000 images (our 5,000, four
        times over) and training for one epoch. Each task runs five times, alternating between
        the two builds so both see the same conditions, and we keep each one's fastest run: the
        one least disturbed by anything else the computer was doing.
        """
    ),
    code(
        """
        import time

        x_many = np.concatenate([x_train] * 4)
        tasks = {
            "predict 20000 images": lambda model: model.predict(x_many, batch_size=500, verbose=0),
            "fit one epoch": lambda model: model.fit(x_train, y_train, batch_size=100, epochs=1,
                                                     verbose=0),
        }
        builds = {"Sequential": seq_model, "Functional": fn_model}
        for model in builds.values():
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            for task in tasks.values():
                task(model)  # warm-up: the first call of each kind builds the compute graph

        seconds = {(build, task): [] for build in builds for task in tasks}
        for _ in range(5):
            for build, model in builds.items():
                for task_name, task in tasks.items():
                    start = time.perf_counter()
                    task(model)
                    seconds[build, task_name].append(time.perf_counter() - start)
        """
    ),
    md("The ratio is Functional time divided by Sequential time: 1.00 means no difference."),
    code(
        """
        for task in tasks:
            seq_s, fn_s = min(seconds["Sequential", task]), min(seconds["Functional", task])
            print(f"{task:20s}  Sequential {seq_s:6.3f} s   Functional {fn_s:6.3f} s"
                  f"   ratio {fn_s / seq_s:4.2f}")
        """
    ),
    md(
        """
        Expect ratios close to 1. Run the cell again and small differences change sign from
        run to run: that is measurement noise, not a property of either API. This is no
        accident: in Keras 3 a `Sequential` model with a known input runs on the same graph
        machinery as a Functional one. What sets the cost is the computation itself, the layers
        and their shapes, and those are identical in both builds.
        """
    ),
    md(
        """
        ## Your turn

        1. Change `hidden_units` below (add a layer, remove one, change a width). Before running
           the cell, predict the total number of parameters, then check with the summary.
        """
    ),
    code(
        """
        # Your turn: edit the widths, predict the parameter count, then run.
        hidden_units = [128, 64]

        reset(seed=42)
        inputs = keras.Input(shape=(28, 28), name="image")
        x = layers.Flatten()(inputs)
        for i, units in enumerate(hidden_units, start=1):
            x = layers.Dense(units, activation="relu", name=f"hidden{i}")(x)
        outputs = layers.Dense(10, activation="softmax", name="class_probs")(x)
        my_model = keras.Model(inputs=inputs, outputs=outputs, name="my_classifier")
        my_model.summary()
        """
    ),
    md(
        """
        2. Write the `Sequential` twin of `my_model`, and a feature model that stops at its last
           hidden layer. A working version is given so the notebook runs; cover it up and write
           your own, then make sure the checks still pass.
        """
    ),
    code(
        """
        # Your turn: the Sequential twin of `my_model`, and a feature extractor from it.
        my_seq = keras.Sequential(
            [keras.Input(shape=(28, 28), name="image"), layers.Flatten()]
            + [layers.Dense(units, activation="relu") for units in hidden_units]
            + [layers.Dense(10, activation="softmax")]
        )
        last_hidden = my_model.get_layer(f"hidden{len(hidden_units)}")
        my_features = keras.Model(my_model.input, last_hidden.output)

        assert my_seq.count_params() == my_model.count_params(), "parameter counts differ"
        assert my_features.output.shape == (None, hidden_units[-1]), my_features.output.shape
        print("both checks pass")
        """
    ),
    md(
        """
        ## Summary

        - A `Sequential` model is a chain. The Functional API describes a graph: create
          `keras.Input` tensors, call layers on tensors, and hand the first and last tensors to
          `keras.Model`.
        - For a plain chain both APIs give the same layers, the same parameters and, as you
          measured, the same speed.
        - Only a graph can have several inputs, several outputs, merges and layers used twice.
        - Any tensor inside a Functional model can be the output of a new model that shares
          the trained weights: a feature extractor in one line.
        - Give inputs and outputs explicit names; automatic names such as `dense_3` change from
          one session to the next.

        ## Where this leads

        - **Lesson 02** gives a model two named inputs of different kinds and feeds them with a
          dict; **lesson 03** gives one several outputs with a loss and metrics for each;
          **lesson 04** shares layers and whole models, and runs towers in parallel.
        - Later lessons build the graphs that made the Functional API famous: ResNet's skip
          connections, U-Net for segmentation, and Siamese networks for similarity.
        - Beyond this course: attention layers such as `layers.MultiHeadAttention` take a
          query, a key and a value, three tensors in one call; DenseNet concatenates every
          earlier feature map into each new block. Both are graphs, not stacks.
        - Further reading: the Keras guide *The Functional API* (keras.io/guides/functional_api).
        """
    ),
]

# --------------------------------------------------------------------------------------- 02

LESSON_02 = [
    md(
        """
        # Lesson 02 · Multiple inputs

        Predictions often rest on more than one source of information: a product photo and its
        catalogue record, a scan and a patient's lab results. The sources differ in kind and
        shape, so each deserves its own processing before the model combines them. Here we give
        a model two named inputs, a separate branch for each, and a merge where they meet.
        """
    ),
    md(
        """
        ## Objectives

        By the end of this lesson you can:

        - declare several `keras.Input`s, each with its own shape and an explicit `name=`;
        - keep preprocessing inside the model (`Rescaling`, and `Normalization` adapted on the
          training data) and explain why its statistics are non-trainable parameters;
        - join branches with a merge layer;
        - feed `fit`, `evaluate` and `predict` with a dict keyed by input name, and read the
          error Keras gives for a wrong key;
        - build a Wide & Deep model on a table split into two inputs.
        """
    ),
    md("## Setup"),
    setup_cell(
        [
            "CLASS_NAMES",
            "META_NAMES",
            "check_versions",
            "fashion_metadata",
            "grading_mode",
            "load_fashion_subset",
            "load_tabular_two_inputs",
            "plot_history",
            "reset",
            "show_images",
            "show_model",
        ]
    ),
    md(
        """
        ## 1. Two kinds of input

        Fashion-MNIST has no catalogue records, so we make a stand-in: four numbers measured on
        each picture (how much ink it has, how many rows and columns the item covers, and how
        symmetric it is left to right). We keep the images as raw 0-255 bytes this time; the
        model will scale them itself.
        """
    ),
    code(
        """
        (x_train, y_train), (x_test, y_test) = load_fashion_subset(
            n_train=5000, n_test=1000, normalize=False)
        meta_train, meta_test = fashion_metadata(x_train), fashion_metadata(x_test)
        print("images:", x_train.shape, x_train.dtype)
        print("records:", meta_train.shape, META_NAMES)
        """
    ),
    md(
        """
        The class averages show that the numbers carry a signal (footwear is low and wide,
        trousers tall and narrow, ankle boots the least symmetric) and that they live on very
        different scales.
        """
    ),
    code(
        """
        # extra code – the average record of each class
        print(f"{'class':12s}" + "".join(f"{name:>10s}" for name in META_NAMES))
        for k, class_name in enumerate(CLASS_NAMES):
            row = meta_train[y_train == k].mean(axis=0)
            print(f"{class_name:12s}" + "".join(f"{value:10.2f}" for value in row))
        """
    ),
    md(
        """
        ## 2. Preprocessing that travels with the model

        When scaling happens inside the model, whoever uses it later feeds raw data and gets
        exactly the treatment used in training. A `Normalization` layer learns each column's
        mean and variance from the training records with `adapt()`.
        """
    ),
    code(
        """
        reset(seed=42)
        meta_norm = layers.Normalization(name="meta_norm")
        meta_norm.adapt(meta_train)
        print("mean:    ", np.round(np.asarray(meta_norm.mean).ravel(), 3))
        print("variance:", np.round(np.asarray(meta_norm.variance).ravel(), 3))
        """
    ),
    md(
        """
        Those statistics are stored as weights, but gradient descent never changes them:
        they are *non-trainable* parameters (four means, four variances and a sample count).
        """
    ),
    code(
        """
        print("trainable weights:    ", meta_norm.trainable_weights)
        print("non-trainable weights:",
              [(w.name, tuple(w.shape)) for w in meta_norm.non_trainable_weights])
        print("parameters:", meta_norm.count_params())
        """
    ),
    md(
        """
        ## 3. Two branches and a merge

        Each input gets a branch suited to its kind: the image is rescaled, flattened and
        condensed to 64 features; the record is normalized and expanded to 16. `Concatenate`
        joins the two feature vectors, and one softmax layer reads the result.
        """
    ),
    code(
        """
        image_in = keras.Input(shape=(28, 28), name="image")
        meta_in = keras.Input(shape=(4,), name="meta")

        x = layers.Rescaling(1 / 255, name="scale_pixels")(image_in)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(64, activation="relu", name="image_features")(x)

        m = meta_norm(meta_in)
        m = layers.Dense(16, activation="relu", name="meta_features")(m)

        fused = layers.Concatenate(name="fuse")([x, m])
        outputs = layers.Dense(10, activation="softmax", name="category")(fused)
        model = keras.Model(inputs=[image_in, meta_in], outputs=outputs, name="image_and_meta")
        model.summary()
        """
    ),
    md(
        """
        The last lines of the summary separate the 9 non-trainable parameters of `meta_norm`
        from the rest. In the diagram, the two branches share no layer until `fuse`.
        """
    ),
    code("show_model(model)"),
    md(
        """
        ## 4. Training with a dict keyed by input name

        We pass the inputs as a dict whose keys are the names given to `keras.Input`. A list
        would work too, but only if its order matches the model's; names cannot be mixed up.
        """
    ),
    code(
        """
        train_inputs = {"image": x_train, "meta": meta_train}
        test_inputs = {"image": x_test, "meta": meta_test}

        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(train_inputs, y_train, epochs=EPOCHS, batch_size=64,
                            validation_split=0.1, verbose=0)
        plot_history(history, ["loss", "accuracy"])
        """
    ),
    md("Evaluation and prediction take the same dict:"),
    code(
        """
        scores = model.evaluate(test_inputs, y_test, verbose=0, return_dict=True)
        print({name: round(value, 3) for name, value in scores.items()})
        predicted = model.predict(test_inputs, verbose=0).argmax(axis=1)
        show_images(x_test, y_test, predictions=predicted, n=10)
        """
    ),
    md(
        """
        A misspelt key is caught before any training starts, and the message lists the names
        the model expects:
        """
    ),
    code(
        """
        try:
            model.fit({"image": x_train, "metadata": meta_train}, y_train, epochs=1, verbose=0)
        except ValueError as error:
            print("ValueError:", error)
        """
    ),
    md(
        """
        Does the second input help? For comparison, we train the image branch alone with the
        same settings.
        """
    ),
    code(
        """
        # extra code – the same image branch without the record
        reset(seed=42)
        solo_in = keras.Input(shape=(28, 28), name="image")
        z = layers.Rescaling(1 / 255)(solo_in)
        z = layers.Flatten()(z)
        z = layers.Dense(64, activation="relu")(z)
        solo_out = layers.Dense(10, activation="softmax", name="category")(z)
        image_only = keras.Model(solo_in, solo_out, name="image_only")
        image_only.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                           metrics=["accuracy"])
        image_only.fit(x_train, y_train, epochs=EPOCHS, batch_size=64, verbose=0)
        solo_accuracy = image_only.evaluate(x_test, y_test, verbose=0)[1]
        print(f"image only: {solo_accuracy:.3f}   image + record: {scores['accuracy']:.3f}")
        """
    ),
    md(
        """
        Our four numbers are computed from the pixels, so they hold nothing the image branch
        could not find by itself; at best they hand it the same facts in an easier form, and the
        gap between the two scores stays small either way. A second input earns its place when
        it brings information the first one lacks: a price, a brand, a written description.
        """
    ),
    md(
        """
        ## 5. Wide & Deep on a table

        The same pattern works for tabular data. scikit-learn bundles a breast-cancer table
        (569 tumours, 30 measurements of cell nuclei, no download); the course helper splits its
        columns into two named groups: *size* (radius, perimeter, area) and *form* (texture,
        smoothness, concavity, symmetry...). Label 1 means benign.
        """
    ),
    code(
        """
        tables = load_tabular_two_inputs("breast_cancer", seed=0)
        for name, columns in tables.feature_names.items():
            print(f"{name}: {len(columns)} columns, e.g. {columns[:3]}")
        print("train:", len(tables.y_train), " test:", len(tables.y_test),
              " classes:", tables.target_names)
        """
    ),
    md(
        """
        A Wide & Deep model (Cheng et al., 2016) sends one input almost straight to the output,
        where simple linear relations are easy to learn, and the other through a stack of
        layers that can learn combinations. Each input has its own `Normalization`, adapted on
        the training rows only.
        """
    ),
    code(
        """
        reset(seed=42)
        size_in = keras.Input(shape=tables.x_train["size"].shape[1:], name="size")
        form_in = keras.Input(shape=tables.x_train["form"].shape[1:], name="form")

        size_norm = layers.Normalization(name="size_norm")
        size_norm.adapt(tables.x_train["size"])
        form_norm = layers.Normalization(name="form_norm")
        form_norm.adapt(tables.x_train["form"])

        wide = size_norm(size_in)
        deep = form_norm(form_in)
        deep = layers.Dense(16, activation="relu", name="deep_1")(deep)
        deep = layers.Dense(16, activation="relu", name="deep_2")(deep)
        merged = layers.Concatenate(name="wide_and_deep")([wide, deep])
        benign = layers.Dense(1, activation="sigmoid", name="benign")(merged)
        wide_deep = keras.Model(inputs=[size_in, form_in], outputs=benign, name="wide_deep")
        show_model(wide_deep)
        """
    ),
    md("The table is small, so more epochs stay cheap; the dict of inputs comes ready-made."),
    code(
        """
        TABLE_EPOCHS = 8 if grading_mode() else 20
        wide_deep.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        history = wide_deep.fit(tables.x_train, tables.y_train, epochs=TABLE_EPOCHS,
                                batch_size=32, validation_split=0.1, verbose=0)
        plot_history(history, ["loss", "accuracy"])
        print(wide_deep.evaluate(tables.x_test, tables.y_test, verbose=0, return_dict=True))
        """
    ),
    md(
        """
        ## Your turn

        1. Swap the roles of the two groups (put `form` on the wide path and `size` on the deep
           one), or give the deep path both groups by concatenating them first. Does the test
           accuracy move? Keep the names of the inputs as they are.
        """
    ),
    code(
        """
        # Your turn: choose which group goes wide and which goes deep.
        WIDE, DEEP = "size", "form"

        reset(seed=42)
        inputs = {name: keras.Input(shape=tables.x_train[name].shape[1:], name=name)
                  for name in (WIDE, DEEP)}
        norms = {name: layers.Normalization(name=f"{name}_norm") for name in inputs}
        for name, norm in norms.items():
            norm.adapt(tables.x_train[name])

        wide = norms[WIDE](inputs[WIDE])
        deep = layers.Dense(16, activation="relu")(norms[DEEP](inputs[DEEP]))
        deep = layers.Dense(16, activation="relu")(deep)
        benign = layers.Dense(1, activation="sigmoid", name="benign")(
            layers.Concatenate()([wide, deep]))
        variant = keras.Model(inputs=list(inputs.values()), outputs=benign, name="variant")
        variant.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        variant.fit(tables.x_train, tables.y_train, epochs=TABLE_EPOCHS, batch_size=32, verbose=0)
        print(f"{WIDE} wide, {DEEP} deep:",
              variant.evaluate(tables.x_test, tables.y_test, verbose=0, return_dict=True))
        """
    ),
    md(
        """
        2. The cell below predicts for three test patients from a dict. Try the same with a
           plain list in the wrong order, `[form, size]`: what does Keras say? And what would
           happen if both groups had the same number of columns?
        """
    ),
    code(
        """
        # Your turn: predict from a dict, then try a list in the wrong order.
        patients = {name: values[:3] for name, values in tables.x_test.items()}
        print("P(benign):", wide_deep.predict(patients, verbose=0).ravel().round(3))
        print("truth:    ", tables.y_test[:3])
        """
    ),
    md(
        """
        ## Summary

        - Every input is a `keras.Input` with its own shape and an explicit `name=`;
          `keras.Model(inputs=[...])` takes them all.
        - Each kind of input gets its own branch; a merge layer (here `Concatenate`) is where
          they meet.
        - Preprocessing layers belong inside the model. `Normalization.adapt()` computes its
          statistics from training data, and they count as non-trainable parameters.
        - Feed a multi-input model with a dict keyed by input name: order no longer matters,
          and a wrong key fails loudly before training.
        - Adding an input pays off only when it carries information the others lack.

        ## Where this leads

        - **Lesson 03** turns the picture around: one input, several outputs.
        - **Lesson 07** (Siamese networks) has two inputs of the *same* kind that go through one
          shared branch.
        - Image + text models follow this lesson's pattern: a `TextVectorization` and
          `Embedding` branch for the words, a convolutional branch for the picture, a merge.
        - Further reading: *Wide & Deep Learning for Recommender Systems* (Cheng et al., 2016)
          the Keras guide *Working with preprocessing layers*.
        """
    ),
]

# --------------------------------------------------------------------------------------- 03

LESSON_03 = [
    md(
        """
        # Lesson 03 · Multiple outputs

        One model can answer several questions at once. For a clothing picture we ask two: which
        of the ten classes is it, and is it footwear? Both rely on the same visual features,
        so they can share a trunk of layers and split into two heads at the end. Such a model
        needs a loss, a weight and metrics for each output, and Keras expects them by name.
        """
    ),
    md(
        """
        ## Objectives

        By the end of this lesson you can:

        - build a shared trunk with two named output heads, each with an activation that fits
          its task;
        - compile with `loss`, `loss_weights` and `metrics` given as dicts keyed by output name,
          and explain why a single metrics list fails;
        - train from a dict of targets, read the per-output history, and evaluate each output;
        - choose where a head leaves the trunk.
        """
    ),
    md("## Setup"),
    setup_cell(
        [
            "CLASS_NAMES",
            "FOOTWEAR_CLASSES",
            "check_versions",
            "grading_mode",
            "is_footwear",
            "load_fashion_subset",
            "plot_history",
            "reset",
            "show_images",
            "show_model",
        ]
    ),
    md(
        """
        ## 1. Two targets from one label

        The class label gives both targets: the class itself, and a 0/1 flag that is 1 for
        sandals, sneakers and ankle boots.
        """
    ),
    code(
        """
        (x_train, y_train), (x_test, y_test) = load_fashion_subset(
            n_train=5000, n_test=1000, normalize=False)
        foot_train, foot_test = is_footwear(y_train), is_footwear(y_test)
        print("footwear classes:", [CLASS_NAMES[k] for k in FOOTWEAR_CLASSES])
        print("share of footwear in the training set:", foot_train.mean())
        """
    ),
    md(
        """
        ## 2. A trunk and two heads

        The trunk is a small convolutional network ending in 64 features. Each head is one
        `Dense` layer with the activation its task calls for: softmax over ten classes, and a
        sigmoid for a yes/no answer.
        """
    ),
    code(
        """
        reset(seed=42)
        image_in = keras.Input(shape=(28, 28), name="image")
        x = layers.Rescaling(1 / 255, name="scale_pixels")(image_in)
        x = layers.Reshape((28, 28, 1), name="add_channel")(x)
        x = layers.Conv2D(16, 3, activation="relu", name="conv1")(x)
        x = layers.MaxPooling2D(name="pool1")(x)
        x = layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
        x = layers.MaxPooling2D(name="pool2")(x)
        x = layers.Flatten(name="flatten")(x)
        trunk = layers.Dense(64, activation="relu", name="trunk")(x)

        category = layers.Dense(10, activation="softmax", name="category")(trunk)
        footwear = layers.Dense(1, activation="sigmoid", name="footwear")(trunk)
        model = keras.Model(inputs=image_in,
                            outputs={"category": category, "footwear": footwear},
                            name="two_heads")
        model.summary()
        """
    ),
    md(
        """
        Passing the outputs as a dict makes their names the keys we use from now on (we also
        named the layers the same, to keep things readable). The graph forks after `trunk`:
        everything above the fork is shared, so both tasks train it.
        """
    ),
    code("show_model(model)"),
    md(
        """
        ## 3. Compiling: everything keyed by output name

        Each output gets its own loss. The optimizer minimizes one number, a weighted sum of
        the two: here `1.0 × category loss + 0.5 × footwear loss`. Metrics are per output too.
        """
    ),
    code(
        """
        LOSSES = {"category": "sparse_categorical_crossentropy", "footwear": "binary_crossentropy"}
        LOSS_WEIGHTS = {"category": 1.0, "footwear": 0.5}
        METRICS = {"category": ["accuracy"], "footwear": ["accuracy"]}
        model.compile(optimizer="adam", loss=LOSSES, loss_weights=LOSS_WEIGHTS, metrics=METRICS)
        """
    ),
    md(
        """
        Why dicts? Lists pair losses with outputs by position, and Keras orders dict outputs by
        name, so a list can silently give each output the wrong loss. And the habit from
        one-output models, `metrics=["accuracy"]`, is rejected outright in Keras 3 once there
        are two outputs. Here is that error, on a throwaway copy of the model:
        """
    ),
    code(
        """
        # extra code – a single metrics list on a two-output model
        probe = keras.models.clone_model(model)
        probe.compile(optimizer="adam", loss=LOSSES, metrics=["accuracy"])
        try:
            probe.fit(x_train[:8], {"category": y_train[:8], "footwear": foot_train[:8]},
                      verbose=0)
        except ValueError as error:
            print("ValueError:", error)
        """
    ),
    md(
        """
        ## 4. Training with a dict of targets

        The targets come as a dict with the same keys as the outputs.
        """
    ),
    code(
        """
        train_targets = {"category": y_train, "footwear": foot_train}
        test_targets = {"category": y_test, "footwear": foot_test}
        history = model.fit(x_train, train_targets, epochs=EPOCHS, batch_size=64,
                            validation_split=0.1, verbose=0)
        print(sorted(history.history))
        """
    ),
    md(
        """
        The history holds the weighted total `loss`, one loss per output and each output's
        metrics, all with validation copies.
        """
    ),
    code('plot_history(history, ["loss", "category_accuracy", "footwear_accuracy"])'),
    md(
        """
        ## 5. Evaluating each output

        `evaluate` with `return_dict=True` reports every output separately. The total loss is
        the weighted sum we asked for, up to small differences in how batches are averaged.
        """
    ),
    code(
        """
        scores = model.evaluate(x_test, test_targets, verbose=0, return_dict=True)
        for name, value in scores.items():
            print(f"{name:20s} {value:.4f}")
        weighted = sum(LOSS_WEIGHTS[k] * scores[f"{k}_loss"] for k in LOSS_WEIGHTS)
        print(f"{'weighted sum':20s} {weighted:.4f}")
        """
    ),
    md("Predictions come back as a dict keyed by output name, one array per head:"),
    code(
        """
        predictions = model.predict(x_test, verbose=0)
        print({name: array.shape for name, array in predictions.items()})
        show_images(x_test, y_test, predictions=predictions["category"].argmax(axis=1), n=10)
        print("P(footwear):", predictions["footwear"][:10].ravel().round(2))
        """
    ),
    md(
        """
        Do the heads agree? The category head implies its own footwear probability, the sum of
        its probabilities for sandal, sneaker and ankle boot. We plot it against the footwear
        head's answer for every test image.
        """
    ),
    code(
        """
        implied = predictions["category"][:, list(FOOTWEAR_CLASSES)].sum(axis=1)
        direct = predictions["footwear"].ravel()
        agreement = np.mean((implied > 0.5) == (direct > 0.5))

        plt.figure(figsize=(4.5, 4))
        plt.scatter(implied, direct, c=foot_test, cmap="coolwarm", s=8)
        plt.xlabel("P(footwear) implied by the category head")
        plt.ylabel("P(footwear) from the footwear head")
        plt.title(f"The heads agree on {agreement:.1%} of test images")
        plt.show()
        """
    ),
    md(
        """
        Nearly every point sits in the bottom-left or top-right corner: trained on one trunk,
        the two heads tell a consistent story. Points elsewhere are the images worth a look.
        """
    ),
    md(
        """
        ## 6. Where a head leaves the trunk

        Heads do not have to branch at the same place. An easy question can leave early, from
        general features; a hard one may need the whole trunk. Here is a builder that lets the
        footwear head branch after `pool1`, after `flatten`, or after `trunk` (the 64-feature
        layer). A branch from a feature map is flattened into a vector first.
        """
    ),
    code(
        '''
        def build_two_heads(branch_after="trunk"):
            """The two-head network, with the footwear head leaving the trunk at `branch_after`."""
            reset(seed=42)
            image_in = keras.Input(shape=(28, 28), name="image")
            x = layers.Rescaling(1 / 255)(image_in)
            x = layers.Reshape((28, 28, 1))(x)
            x = layers.Conv2D(16, 3, activation="relu")(x)
            taps = {"pool1": layers.MaxPooling2D(name="pool1")(x)}
            x = layers.Conv2D(32, 3, activation="relu")(taps["pool1"])
            x = layers.MaxPooling2D()(x)
            taps["flatten"] = layers.Flatten(name="flatten")(x)
            taps["trunk"] = layers.Dense(64, activation="relu", name="trunk")(taps["flatten"])

            branch = taps[branch_after]
            if len(branch.shape) == 4:  # a feature map: flatten it into one vector
                branch = layers.Flatten(name="footwear_flatten")(branch)
            category = layers.Dense(10, activation="softmax", name="category")(taps["trunk"])
            footwear = layers.Dense(1, activation="sigmoid", name="footwear")(branch)
            return keras.Model(image_in, {"category": category, "footwear": footwear},
                               name=f"footwear_after_{branch_after}")
        '''
    ),
    md(
        """
        ## Your turn

        1. Move the branch point (`"pool1"`, `"flatten"` or `"trunk"`) and change the loss
           weights, then compare parameters and per-output accuracy with the model above. Does
           the footwear head still do well when it leaves after `pool1`? What happens to the
           category accuracy when `footwear` weighs 5.0?
        """
    ),
    code(
        """
        # Your turn: pick a branch point and loss weights, then compare.
        BRANCH_AFTER = "pool1"
        MY_WEIGHTS = {"category": 1.0, "footwear": 0.5}

        variant = build_two_heads(BRANCH_AFTER)
        variant.compile(optimizer="adam", loss=LOSSES, loss_weights=MY_WEIGHTS, metrics=METRICS)
        variant.fit(x_train, train_targets, epochs=EPOCHS, batch_size=64, verbose=0)
        print("parameters:", variant.count_params(), "(the model above:", model.count_params(), ")")
        variant_scores = variant.evaluate(x_test, test_targets, verbose=0, return_dict=True)
        for name in ("category_accuracy", "footwear_accuracy"):
            print(f"{name:20s} {variant_scores[name]:.3f}   (above: {scores[name]:.3f})")
        """
    ),
    md(
        """
        2. Add a third head, `"top"`, that says whether an item is worn on the upper body
           (T-shirt/top, pullover, coat, shirt). It needs a name, a loss, a weight and a metric,
           all keyed by name, and a target in the dict. The starter below prepares the target
           and checks the model's output names; extend the model and the dicts until the check
           lists three outputs, then train it.
        """
    ),
    code(
        """
        # Your turn: add a third output head named "top".
        TOP_CLASSES = (0, 2, 4, 6)
        top_train = np.isin(y_train, TOP_CLASSES).astype("float32")

        three_heads = build_two_heads("trunk")  # start here: add a "top" head to this model
        print("outputs:", sorted(three_heads.output))
        print("share of tops in the training set:", top_train.mean())
        """
    ),
    md(
        """
        ## Summary

        - Several outputs are several tensors given to `keras.Model(outputs=...)`; passing them
          as a dict makes the names explicit.
        - Each head ends with the activation its loss expects: softmax with a categorical
          cross-entropy, sigmoid with a binary one.
        - Compile with `loss`, `loss_weights` and `metrics` as dicts keyed by output name. The
          optimizer minimizes the weighted sum of the losses; a single metrics list fails.
        - Targets are a dict with the same keys; `history`, `evaluate` and `predict` report per
          output.
        - Where a head leaves the trunk is a design choice that changes what it can learn.

        ## Where this leads

        - **Lesson 04** shares layers and whole models between branches, and runs several
          towers side by side.
        - Object detectors are multi-output models: one head predicts box coordinates (a
          regression loss), another the class (a classification loss).
        - GoogLeNet (Inception v1) attached auxiliary classifier heads halfway up its trunk,
          with a small loss weight, to push useful gradients into the early layers.
        - Further reading: the Keras guide *The Functional API*, section "Models with multiple
          inputs and outputs".
        """
    ),
]

# --------------------------------------------------------------------------------------- 04

LESSON_04 = [
    md(
        """
        # Lesson 04 · Shared layers, nested models and parallel branches

        A layer is an object that owns its weights, and a model is a layer too. Those two facts
        open up three designs we meet everywhere: one layer applied to several inputs, one
        model used inside another (even twice), and several towers working side by side on the
        same input. We build each, count their parameters, and finish with an autoencoder whose
        encoder we keep as a model of its own.
        """
    ),
    md(
        """
        ## Objectives

        By the end of this lesson you can:

        - apply one layer to two tensors and show that its weights exist once (parameter counts
          of a shared layer against a copy)
        - use a whole model as a layer, twice, and tell sharing from copying;
        - write an Inception-style block of parallel towers as a function that returns a tensor;
        - train an autoencoder and then use its encoder on its own, for search and as the
          frozen base of a classifier.
        """
    ),
    md("## Setup"),
    setup_cell(
        [
            "check_versions",
            "grading_mode",
            "load_fashion_subset",
            "plot_history",
            "reset",
            "show_images",
            "show_model",
        ]
    ),
    code(
        """
        (x_train, y_train), (x_test, y_test) = load_fashion_subset(n_train=5000, n_test=1000)
        print(x_train.shape, x_test.shape)
        """
    ),
    md(
        """
        ## 1. One layer, two calls

        Calling the same layer object on two tensors applies the same weights to both, and
        training updates those weights from both paths at once.
        """
    ),
    code(
        """
        reset()
        left = keras.Input(shape=(16,), name="left")
        right = keras.Input(shape=(16,), name="right")
        embed = layers.Dense(8, activation="relu", name="embed")
        pair = layers.Concatenate(name="pair")([embed(left), embed(right)])
        score = layers.Dense(1, activation="sigmoid", name="score")(pair)
        shared_model = keras.Model(inputs=[left, right], outputs=score, name="shared")
        shared_model.summary()
        """
    ),
    md(
        """
        The summary lists `embed` once, with 16×8 + 8 = 136 parameters. Two separate layers with
        the same settings would be a copy: same architecture, twice the weights.
        """
    ),
    code(
        """
        reset()
        left = keras.Input(shape=(16,), name="left")
        right = keras.Input(shape=(16,), name="right")
        embed_left = layers.Dense(8, activation="relu", name="embed_left")
        embed_right = layers.Dense(8, activation="relu", name="embed_right")
        pair = layers.Concatenate(name="pair")([embed_left(left), embed_right(right)])
        score = layers.Dense(1, activation="sigmoid", name="score")(pair)
        copied_model = keras.Model(inputs=[left, right], outputs=score, name="copied")
        print("shared:", shared_model.count_params(), "  copied:", copied_model.count_params())
        """
    ),
    md(
        """
        The model's config records, for each layer, every call that feeds it; a shared layer
        has more than one. This is how a program (a grader, say) can spot sharing without
        looking at names.
        """
    ),
    code(
        """
        for config in shared_model.get_config()["layers"]:
            if config["class_name"] != "InputLayer":
                print(f"{config['name']:6s} called {len(config['inbound_nodes'])} time(s)")
        """
    ),
    md("In the diagram, the shared layer is a single box with two arrows coming in:"),
    code("show_model(shared_model)"),
    md(
        """
        ## 2. A model used as a layer

        A `keras.Model` can be called on a tensor like any layer: its whole graph is inserted
        as one step. Here is a small *tower* that turns an image into 16 numbers.
        """
    ),
    code(
        """
        reset()
        image = keras.Input(shape=(28, 28), name="image")
        h = layers.Flatten(name="flatten")(image)
        h = layers.Dense(64, activation="relu", name="dense")(h)
        embedding = layers.Dense(16, name="embedding")(h)
        tower = keras.Model(image, embedding, name="tower")
        print("tower parameters:", tower.count_params())
        """
    ),
    md(
        """
        We call the tower on two images and compare the results, the outline of a network that
        judges whether two pictures show the same kind of item. Its weights count once.
        """
    ),
    code(
        """
        image_a = keras.Input(shape=(28, 28), name="image_a")
        image_b = keras.Input(shape=(28, 28), name="image_b")
        pair = layers.Concatenate(name="pair")([tower(image_a), tower(image_b)])
        same_class = layers.Dense(1, activation="sigmoid", name="same_class")(pair)
        pair_model = keras.Model([image_a, image_b], same_class, name="pair_model")
        head_params = pair_model.get_layer("same_class").count_params()
        print(f"pair model: {pair_model.count_params()} = tower {tower.count_params()}"
              f" + head {head_params}")
        print("the nested layer is the tower itself:", pair_model.get_layer("tower") is tower)
        """
    ),
    md(
        """
        `expand_nested=True` opens the nested model in the diagram; it appears once, fed by both
        inputs.
        """
    ),
    code("show_model(pair_model, expand_nested=True)"),
    md(
        """
        To get a copy instead, call a *function that builds* a tower twice: each call creates
        new layers with new weights. Calling a *model* twice shares; calling a builder twice
        copies.
        """
    ),
    code(
        '''
        def make_tower(name):
            """A fresh tower with its own weights each time it is called."""
            image = keras.Input(shape=(28, 28), name=f"{name}_image")
            h = layers.Flatten()(image)
            h = layers.Dense(64, activation="relu")(h)
            return keras.Model(image, layers.Dense(16)(h), name=name)


        reset()
        image_a = keras.Input(shape=(28, 28), name="image_a")
        image_b = keras.Input(shape=(28, 28), name="image_b")
        towers = make_tower("tower_a")(image_a), make_tower("tower_b")(image_b)
        same_class = layers.Dense(1, activation="sigmoid", name="same_class")(
            layers.Concatenate(name="pair")(list(towers)))
        two_towers = keras.Model([image_a, image_b], same_class, name="two_towers")
        print("one shared tower:", pair_model.count_params())
        print("two built towers:", two_towers.count_params())
        '''
    ),
    md(
        """
        ## 3. Parallel towers: an Inception-style block

        An Inception block lets the network look at the same feature map at several scales at
        once: a 1×1 convolution, a 3×3, a 5×5 and a pooled path run side by side, and their
        outputs are stacked along the channel axis. The cheap 1×1 convolutions in front of the
        large kernels ("reduce") keep the cost down. Written as a function that takes a tensor
        and returns one, the block can be used like a layer.
        """
    ),
    code(
        '''
        def inception_block(x, filters, name):
            """Four parallel towers on the same input, concatenated along the channel axis."""
            t1 = layers.Conv2D(filters, 1, activation="relu", name=f"{name}_1x1")(x)
            t3 = layers.Conv2D(filters, 1, activation="relu", name=f"{name}_3x3_reduce")(x)
            t3 = layers.Conv2D(2 * filters, 3, padding="same", activation="relu",
                               name=f"{name}_3x3")(t3)
            t5 = layers.Conv2D(filters // 2, 1, activation="relu", name=f"{name}_5x5_reduce")(x)
            t5 = layers.Conv2D(filters, 5, padding="same", activation="relu",
                               name=f"{name}_5x5")(t5)
            tp = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
            tp = layers.Conv2D(filters, 1, activation="relu", name=f"{name}_pool_proj")(tp)
            return layers.Concatenate(name=f"{name}_concat")([t1, t3, t5, tp])
        '''
    ),
    md(
        """
        Every tower keeps the height and width of its input (stride 1, `"same"` padding):
        concatenation along channels needs equal spatial sizes. We put one block after a
        stride-2 stem and finish with a small classifier.
        """
    ),
    code(
        """
        reset(seed=42)
        image_in = keras.Input(shape=(28, 28), name="image")
        x = layers.Reshape((28, 28, 1), name="add_channel")(image_in)
        x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="stem")(x)
        x = inception_block(x, filters=8, name="mixed")
        x = layers.MaxPooling2D(name="pool")(x)
        x = layers.Flatten(name="flatten")(x)
        outputs = layers.Dense(10, activation="softmax", name="category")(x)
        inception = keras.Model(image_in, outputs, name="mini_inception")
        show_model(inception)
        """
    ),
    md("The block's output has 8 + 16 + 8 + 8 = 40 channels at the stem's 14×14 resolution:"),
    code(
        """
        for name in ("stem", "mixed_1x1", "mixed_3x3", "mixed_5x5", "mixed_pool_proj",
                     "mixed_concat"):
            print(f"{name:16s} {inception.get_layer(name).output.shape}")
        print("parameters:", inception.count_params())
        """
    ),
    md("It trains like any other model; 2,000 images keep the lesson quick."),
    code(
        """
        inception.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
        history = inception.fit(x_train[:2000], y_train[:2000], epochs=EPOCHS, batch_size=128,
                                validation_data=(x_test[:500], y_test[:500]), verbose=0)
        plot_history(history, ["loss", "accuracy"])
        """
    ),
    md(
        """
        ## 4. An autoencoder whose encoder lives on

        An autoencoder learns to squeeze an image into a short *code* and rebuild the image
        from it. We write the encoder and the decoder as two models, then chain them.
        """
    ),
    code(
        """
        CODE_SIZE = 16

        reset(seed=42)
        image_in = keras.Input(shape=(28, 28), name="image")
        h = layers.Flatten()(image_in)
        h = layers.Dense(128, activation="relu")(h)
        code = layers.Dense(CODE_SIZE, name="code")(h)
        encoder = keras.Model(image_in, code, name="encoder")

        code_in = keras.Input(shape=(CODE_SIZE,), name="code_in")
        h = layers.Dense(128, activation="relu")(code_in)
        h = layers.Dense(28 * 28, activation="sigmoid")(h)
        reconstruction = layers.Reshape((28, 28), name="reconstruction")(h)
        decoder = keras.Model(code_in, reconstruction, name="decoder")

        ae_in = keras.Input(shape=(28, 28), name="image")
        autoencoder = keras.Model(ae_in, decoder(encoder(ae_in)), name="autoencoder")
        autoencoder.summary()
        """
    ),
    md(
        """
        The target is the input itself. Pixels lie in [0, 1], so a binary cross-entropy per
        pixel is a good reconstruction loss.
        """
    ),
    code(
        """
        autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
        history = autoencoder.fit(x_train, x_train, epochs=EPOCHS, batch_size=128,
                                  validation_data=(x_test, x_test), verbose=0)
        plot_history(history, "loss")
        """
    ),
    md("Top row: test images; bottom row: what the decoder rebuilt from 16 numbers each."),
    code(
        """
        rebuilt = autoencoder.predict(x_test[:8], verbose=0)
        show_images(np.concatenate([x_test[:8], rebuilt]), class_names=None, n=16, ncols=8)
        """
    ),
    md(
        """
        Training the autoencoder trained the `encoder` object itself: it is a complete model we
        can call on its own, with no decoder attached.
        """
    ),
    code(
        """
        print("same object:", autoencoder.get_layer("encoder") is encoder)
        codes = encoder.predict(x_test, verbose=0)
        print("codes:", codes.shape)
        """
    ),
    md(
        """
        One use: search by similarity. The images whose codes lie closest to a query's code
        tend to look like it (the first one shown is the query itself).
        """
    ),
    code(
        """
        query = 3
        distances = np.linalg.norm(codes - codes[query], axis=1)
        nearest = np.argsort(distances)[:8]
        show_images(x_test[nearest], y_test[nearest], n=8, ncols=8)
        """
    ),
    md(
        """
        ## Your turn

        1. Give `inception_block` a fifth tower: two stacked 3×3 convolutions, which see a 5×5
           area with fewer weights than one 5×5 kernel. The copy below is ready to edit; predict
           the new channel count and parameter total before you run it.
        """
    ),
    code(
        '''
        # Your turn: add a fifth tower to this copy of the block, then compare.
        def my_inception_block(x, filters, name):
            """Parallel towers concatenated along the channel axis (edit me)."""
            t1 = layers.Conv2D(filters, 1, activation="relu")(x)
            t3 = layers.Conv2D(filters, 1, activation="relu")(x)
            t3 = layers.Conv2D(2 * filters, 3, padding="same", activation="relu")(t3)
            t5 = layers.Conv2D(filters // 2, 1, activation="relu")(x)
            t5 = layers.Conv2D(filters, 5, padding="same", activation="relu")(t5)
            tp = layers.MaxPooling2D(3, strides=1, padding="same")(x)
            tp = layers.Conv2D(filters, 1, activation="relu")(tp)
            return layers.Concatenate(name=f"{name}_concat")([t1, t3, t5, tp])


        reset(seed=42)
        image_in = keras.Input(shape=(28, 28), name="image")
        x = layers.Reshape((28, 28, 1))(image_in)
        x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
        x = my_inception_block(x, filters=8, name="mine")
        outputs = layers.Dense(10, activation="softmax", name="category")(
            layers.Flatten()(layers.MaxPooling2D()(x)))
        my_inception = keras.Model(image_in, outputs, name="my_inception")
        print("block output:", my_inception.get_layer("mine_concat").output.shape)
        print("parameters:", my_inception.count_params(), "  before:", inception.count_params())
        '''
    ),
    md(
        """
        2. Reuse the trained encoder as the frozen base of a classifier: how well can ten
           classes be told apart from 16 numbers per image? Then try
           `encoder.trainable = True`, and a different `CODE_SIZE` in section 4.
        """
    ),
    code(
        """
        # Your turn: a classifier on top of the (frozen) encoder.
        encoder.trainable = False

        reset(seed=42)
        clf_in = keras.Input(shape=(28, 28), name="image")
        h = layers.Dense(32, activation="relu", name="clf_hidden")(encoder(clf_in))
        clf_out = layers.Dense(10, activation="softmax", name="category")(h)
        code_classifier = keras.Model(clf_in, clf_out, name="code_classifier")
        code_classifier.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                                metrics=["accuracy"])
        code_classifier.fit(x_train, y_train, epochs=EPOCHS, batch_size=64, verbose=0)
        trainable = sum(int(np.prod(w.shape)) for w in code_classifier.trainable_weights)
        accuracy = code_classifier.evaluate(x_test, y_test, verbose=0)[1]
        print(f"trainable parameters: {trainable}   test accuracy: {accuracy:.3f}")
        """
    ),
    md(
        """
        ## Summary

        - A layer owns its weights: calling it on several tensors shares them, and
          `count_params()` counts them once. Separate layers with equal settings are copies.
        - A model is a layer. Calling one model twice shares its weights; calling a function
          that builds a model twice creates copies.
        - The model config lists every call that feeds a layer, so sharing is visible without
          relying on names.
        - Parallel towers fed by the same tensor, merged with `Concatenate`, make an
          Inception-style block; writing it as a function returning a tensor makes it reusable.
        - Training a model that contains a sub-model trains the sub-model itself: an
          autoencoder leaves behind a working encoder.

        ## Where this leads

        - **Lesson 05** merges a block's input back into its output (ResNet skips), and
          **lesson 06** joins an encoder and a decoder at every level (U-Net).
        - **Lesson 07** trains a shared tower on pairs of images: a Siamese network.
        - DenseNet takes the idea of concatenation further: every layer in a block receives the
          feature maps of all the layers before it.
        - A pretrained network from `keras.applications` is used exactly like our `encoder`:
          called on a new input as a (often frozen) nested model.
        - Further reading: *Going Deeper with Convolutions* (Szegedy et al., 2014) for
          Inception; the Keras guide *The Functional API*, sections on shared layers and on
          using models as layers.
        """
    ),
]


LESSONS = {
    "01_sequential_to_functional": LESSON_01,
    "02_multiple_inputs": LESSON_02,
    "03_multiple_outputs": LESSON_03,
    "04_shared_layers_and_branches": LESSON_04,
}


def main() -> None:
    for stem, cells in LESSONS.items():
        path = write(stem, cells)
        print(f"wrote {path.relative_to(COURSE.parent)} ({len(cells)} cells)")


if __name__ == "__main__":
    main()
