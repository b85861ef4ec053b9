"""The course helpers in autograder.course: data, generators, plots and session set-up."""

import os
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest

import autograder.course as course
from autograder.course import data, plots, session

# ------------------------------------------------------------------------------- importing


def test_importing_the_package_loads_neither_tensorflow_nor_pyplot():
    code = (
        "import sys, autograder.course; "
        "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib.pyplot', 'sklearn') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""


def test_public_names_are_exported():
    for name in course.__all__:
        assert hasattr(course, name), name


# ------------------------------------------------------------------------------- Fashion-MNIST


def test_full_subset_shapes_dtypes_and_range():
    (x_train, y_train), (x_test, y_test) = course.load_fashion_subset()
    assert x_train.shape == (10000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert x_train.dtype == np.float32 and y_train.dtype == np.uint8
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert y_train.shape == (10000,) and y_test.shape == (2000,)


def test_full_subset_is_stratified():
    (_, y_train), (_, y_test) = course.load_fashion_subset(normalize=False)
    assert np.bincount(y_train).tolist() == [1000] * 10
    assert np.bincount(y_test).tolist() == [200] * 10


def test_raw_pixels_are_uint8():
    (x_train, _), _ = course.load_fashion_subset(n_train=10, n_test=10, normalize=False)
    assert x_train.dtype == np.uint8 and x_train.max() > 1


def test_smaller_parts_stay_balanced():
    (x_train, y_train), (x_test, y_test) = course.load_fashion_subset(n_train=500, n_test=70)
    assert len(x_train) == 500 and len(x_test) == 70
    assert np.bincount(y_train, minlength=10).tolist() == [50] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [7] * 10
    (_, y_odd), _ = course.load_fashion_subset(n_train=15)
    assert len(y_odd) == 15 and np.bincount(y_odd, minlength=10).max() == 2


def test_asking_for_too_many_images_fails_clearly():
    with pytest.raises(ValueError, match="only 10000"):
        course.load_fashion_subset(n_train=10001)


def test_missing_data_file_gives_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "FASHION_FILE", tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError, match="data/"):
        course.load_fashion_subset()


def test_class_names_and_footwear():
    assert len(course.CLASS_NAMES) == 10
    assert [course.CLASS_NAMES[k] for k in course.FOOTWEAR_CLASSES] == [
        "Sandal",
        "Sneaker",
        "Ankle boot",
    ]
    flags = course.is_footwear(np.arange(10))
    assert flags.dtype == np.float32
    assert np.flatnonzero(flags).tolist() == [5, 7, 9]


def test_metadata_is_the_same_for_raw_and_scaled_images():
    (raw, y), _ = course.load_fashion_subset(n_train=200, normalize=False)
    meta = course.fashion_metadata(raw)
    assert meta.shape == (200, len(course.META_NAMES)) and meta.dtype == np.float32
    np.testing.assert_allclose(meta, course.fashion_metadata(raw / 255.0), rtol=1e-5)
    np.testing.assert_allclose(meta, course.fashion_metadata(raw[..., None]), rtol=1e-5)
    height, width = meta[:, 1], meta[:, 2]
    assert height.max() <= 28 and width.max() <= 28
    # trousers are taller than wide, sneakers wider than tall
    assert (height[y == 1] > width[y == 1]).mean() > 0.9
    assert (width[y == 7] > height[y == 7]).mean() > 0.9


# ------------------------------------------------------------------------------- tables


def test_breast_cancer_split_into_two_named_inputs():
    split = course.load_tabular_two_inputs("breast_cancer", seed=0)
    assert set(split.x_train) == {"size", "form"}
    assert split.x_train["size"].shape[1] == 9 and split.x_train["form"].shape[1] == 21
    assert split.x_train["size"].dtype == np.float32
    columns = split.feature_names["size"] + split.feature_names["form"]
    assert len(columns) == len(set(columns)) == 30
    assert len(split.y_train) + len(split.y_test) == 569
    assert all(len(v) == len(split.y_train) for v in split.x_train.values())
    assert split.target_names == ["malignant", "benign"]
    # stratified split: similar class balance on both sides
    assert abs(split.y_train.mean() - split.y_test.mean()) < 0.02


def test_wine_and_custom_groups():
    wine = course.load_tabular_two_inputs("wine")
    assert {k: v.shape[1] for k, v in wine.x_train.items()} == {"chemistry": 9, "appearance": 3}
    custom = course.load_tabular_two_inputs("wine", groups={"a": ["alcohol"], "b": ["hue"]})
    assert custom.feature_names == {"a": ["alcohol"], "b": ["hue"]}


def test_table_errors_are_clear():
    with pytest.raises(ValueError, match="unknown table"):
        course.load_tabular_two_inputs("iris")
    with pytest.raises(ValueError, match="matches no column"):
        course.load_tabular_two_inputs("wine", groups={"a": ["colour"]})


def test_same_seed_same_split():
    a = course.load_tabular_two_inputs(seed=3)
    b = course.load_tabular_two_inputs(seed=3)
    np.testing.assert_array_equal(a.x_test["size"], b.x_test["size"])


# ------------------------------------------------------------------------------- shapes


def test_segmentation_shapes_dtypes_and_binary_masks():
    images, masks = course.make_shapes_segmentation(20, size=32, seed=0)
    assert images.shape == masks.shape == (20, 32, 32, 1)
    assert images.dtype == masks.dtype == np.float32
    assert set(np.unique(masks)) <= {0.0, 1.0}
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert (masks.reshape(20, -1).sum(axis=1) > 0).all(), "every image holds a shape"


def test_masks_mark_exactly_the_bright_shapes_without_noise():
    images, masks = course.make_shapes_segmentation(30, size=24, seed=1, noise=0.0)
    on, off = images[masks == 1], images[masks == 0]
    assert on.min() >= 0.6 and off.max() <= 0.3


def test_masks_still_match_the_image_with_noise():
    images, masks = course.make_shapes_segmentation(30, seed=2)
    for image, mask in zip(images, masks, strict=True):
        assert image[mask == 1].mean() > image[mask == 0].mean() + 0.2


def test_segmentation_is_reproducible_by_seed():
    a = course.make_shapes_segmentation(5, seed=7)
    b = course.make_shapes_segmentation(5, seed=7)
    c = course.make_shapes_segmentation(5, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


# ------------------------------------------------------------------------------- pairs


def _indexed_data(n=60, classes=4):
    """Samples whose single value is their own index, so pairs can be traced back."""
    x = np.arange(n, dtype=np.float32)[:, None]
    y = np.arange(n) % classes
    return x, y


def test_pairs_labels_follow_the_convention_1_is_similar():
    x, y = _indexed_data()
    a, b, label = course.make_pairs(x, y, n_pairs=101, seed=0)
    assert a.shape == b.shape == (101, 1) and label.shape == (101,)
    assert label.dtype == np.float32
    ia, ib = a[:, 0].astype(int), b[:, 0].astype(int)
    np.testing.assert_array_equal(label, (y[ia] == y[ib]).astype(np.float32))
    assert label.sum() == 51, "half the pairs, rounded up, are similar"


def test_similar_pairs_never_pair_a_sample_with_itself():
    x, y = _indexed_data()
    a, b, label = course.make_pairs(x, y, n_pairs=200, seed=1)
    assert not np.any((a[:, 0] == b[:, 0]) & (label == 1))


def test_pairs_are_shuffled_and_reproducible():
    x, y = _indexed_data()
    first = course.make_pairs(x, y, n_pairs=50, seed=4)
    again = course.make_pairs(x, y, n_pairs=50, seed=4)
    for u, v in zip(first, again, strict=True):
        np.testing.assert_array_equal(u, v)
    assert 0 < first[2][:25].sum() < 25, "similar and dissimilar pairs are mixed"


def test_pairs_need_two_classes_and_matching_lengths():
    with pytest.raises(ValueError, match="two classes"):
        course.make_pairs(np.zeros((5, 2)), np.zeros(5), n_pairs=4)
    with pytest.raises(ValueError, match="labels"):
        course.make_pairs(np.zeros((5, 2)), np.zeros(4), n_pairs=4)


# ------------------------------------------------------------------------------- plots


def tiny_model():
    x = keras.Input((4,), name="x")
    return keras.Model(x, keras.layers.Dense(2, name="y")(x))


@pytest.fixture
def no_show(monkeypatch):
    """Draw figures without showing them, and close them afterwards."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    yield plt
    plt.close("all")


@pytest.fixture
def displayed(monkeypatch):
    """Collect what show_model hands to IPython's display()."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    return shown


def test_show_model_displays_a_png(displayed, capsys):
    if plots.diagram_support() is not None:
        pytest.skip("pydot or graphviz not installed here")
    course.show_model(tiny_model())
    assert len(displayed) == 1
    assert displayed[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().out == ""


def test_show_model_without_pydot_prints_a_message(monkeypatch, displayed, capsys):
    monkeypatch.setitem(sys.modules, "pydot", None)  # makes `import pydot` fail
    course.show_model(tiny_model())
    assert displayed == []
    assert "pydot is not installed" in capsys.readouterr().out


def test_show_model_without_graphviz_prints_a_message(monkeypatch, displayed, capsys):
    monkeypatch.setattr(plots.shutil, "which", lambda name: None)
    course.show_model(tiny_model())
    assert displayed == []
    assert "Graphviz" in capsys.readouterr().out


def test_show_model_survives_a_failing_plot_model(monkeypatch, displayed, capsys):
    if plots.diagram_support() is not None:
        pytest.skip("pydot or graphviz not installed here")

    def broken(*args, **kwargs):
        raise OSError("dot crashed")

    monkeypatch.setattr(keras.utils, "plot_model", broken)
    course.show_model(tiny_model())
    assert displayed == []
    assert "dot crashed" in capsys.readouterr().out


def test_plot_history_takes_a_history_or_a_dict(no_show):
    values = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "category_accuracy": [0.5, 0.8]}
    history = keras.callbacks.History()
    history.history = values
    course.plot_history(history, metrics=["loss", "category_accuracy"])
    course.plot_history(values)  # every metric that is not a val_ copy
    figure = no_show.gcf()
    assert [ax.get_title() for ax in figure.axes] == ["loss", "category_accuracy"]
    assert len(figure.axes[0].lines) == 2, "train and validation curves"


def test_plot_history_names_unknown_metrics(no_show):
    with pytest.raises(KeyError, match="accuracy"):
        course.plot_history({"loss": [1.0]}, metrics="accuracy")


def test_show_images_with_predictions_marks_mistakes(no_show):
    images = np.zeros((4, 28, 28, 1), dtype=np.float32)
    course.show_images(images, labels=[0, 1, 2, 3], predictions=[0, 1, 2, 9], n=4, ncols=2)
    titles = [ax.title for ax in no_show.gcf().axes]
    assert titles[3].get_text() == "Ankle boot\n(Dress)"
    assert titles[3].get_color() == "red" and titles[0].get_color() == "black"


def test_show_masks_draws_one_row_per_image(no_show):
    images, masks = course.make_shapes_segmentation(3, size=16)
    course.show_masks(images, masks, pred_masks=masks * 0.7, n=3)
    assert len(no_show.gcf().axes) == 9
    course.show_masks(images, masks, n=2)
    assert len(no_show.gcf().axes) == 4


# ------------------------------------------------------------------------------- session


def test_grading_mode_follows_nbgrader_execution(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert course.grading_mode() is False
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert course.grading_mode() is True


def test_reset_makes_model_building_reproducible():
    def weights():
        course.reset(seed=5)
        layer = keras.layers.Dense(3, name="d")
        layer.build((None, 4))
        return layer.get_weights()[0]

    np.testing.assert_array_equal(weights(), weights())


def test_reset_restarts_automatic_names():
    names = []
    for _ in range(2):
        course.reset()
        names.append(keras.layers.Dense(1).name)
    assert names[0] == names[1]


def test_quiet_tensorflow_hides_library_noise_but_not_warnings_about_your_code(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    with warnings.catch_warnings(record=True) as caught:  # restores the filters afterwards
        warnings.resetwarnings()  # start from Python's defaults, whatever PYTHONWARNINGS says
        warnings.simplefilter("default")
        course.quiet_tensorflow()
        course.quiet_tensorflow()  # calling it twice is harmless
        warnings.warn("an old API", DeprecationWarning, stacklevel=1)
        warnings.warn("your layer looks odd", UserWarning, stacklevel=1)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert [str(w.message) for w in caught] == ["your layer looks odd"]


def test_stderr_is_silenced_at_the_file_descriptor_level(capfd):
    with session._stderr_silenced():
        os.write(2, b"C++ log line\n")
        print("python log line", file=sys.stderr)
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_quiet_tensorflow_keeps_a_fresh_process_silent():
    code = (
        "from autograder.course import quiet_tensorflow; quiet_tensorflow(); "
        "import keras, numpy as np; "
        "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); "
        "m.compile('sgd', 'mse'); m.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0); "
        "print('ok')"
    )
    unset = ("TF_CPP_MIN_LOG_LEVEL", "PYTHONWARNINGS")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    assert out.stderr == ""


def test_check_versions_reports_and_guards(monkeypatch):
    assert "Keras " + keras.__version__ in course.check_versions()
    with pytest.raises(RuntimeError, match="Keras >= 99.0"):
        course.check_versions(min_keras=(99, 0))
