"""What a student's code built, as plain data that can leave the sandbox.

Inside the sandbox the harness turns each value a test asks for into files: a model becomes its
JSON config, its weights and its compile config; arrays become ``.npy`` files; plain Python
values become JSON. Outside, a clean process rebuilds the values from those files and the checks
run there, so nothing the student's code did to Keras, to builtins or to our own functions can
change a grade. Forging these files means writing the config of the right model, which is the
task itself.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from autograder.errors import CheckFailure

MAX_JSON_BYTES = 5_000_000


def dump(value: Any, folder: Path, key: str) -> dict:
    """Write VALUE under FOLDER and return the JSON-able record that describes it."""
    return _dump(value, Path(folder), key, depth=0)


def _dump(value: Any, folder: Path, key: str, depth: int) -> dict:
    if depth > 4:
        return {"kind": "unsupported", "type": "deeply nested value"}
    if _is_keras_model(value):
        return _dump_model(value, folder, key)
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not math.isfinite(value):
            return {"kind": "float", "value": repr(value)}
        return {"kind": "json", "value": value}
    if isinstance(value, (list, tuple)):
        items = [_dump(v, folder, f"{key}.{i}", depth + 1) for i, v in enumerate(value)]
        return {"kind": "tuple" if isinstance(value, tuple) else "list", "items": items}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        items = {k: _dump(v, folder, f"{key}.{k}", depth + 1) for k, v in value.items()}
        return {"kind": "dict", "items": items}
    if hasattr(value, "history") and isinstance(value.history, dict):
        history = {k: [float(x) for x in v] for k, v in value.history.items()}
        return {"kind": "history", "history": history}
    if hasattr(value, "__array__") or hasattr(value, "numpy"):
        array = np.asarray(value)
        if array.dtype == object:
            return {"kind": "unsupported", "type": type(value).__name__}
        path = folder / f"{key}.npy"
        np.save(path, array, allow_pickle=False)
        return {"kind": "array", "file": path.name}
    return {"kind": "unsupported", "type": type(value).__name__}


def _is_keras_model(value: Any) -> bool:
    keras = sys.modules.get("keras")  # never import it for a notebook that did not
    return keras is not None and isinstance(value, keras.Model)


def _dump_model(model: Any, folder: Path, key: str) -> dict:
    config = model.to_json()
    weights = {f"w{i}": np.asarray(w) for i, w in enumerate(model.get_weights())}
    np.savez(folder / f"{key}.weights.npz", **weights)
    (folder / f"{key}.model.json").write_text(config)
    compile_config = None
    try:
        compile_config = model.get_compile_config()
    except Exception:
        compile_config = None
    if compile_config:
        text = json.dumps(compile_config, default=str)
        (folder / f"{key}.compile.json").write_text(text)
    return {
        "kind": "model",
        "config": f"{key}.model.json",
        "weights": f"{key}.weights.npz",
        "compile": f"{key}.compile.json" if compile_config else None,
        "n_weights": len(weights),
    }


# -- outside the sandbox --------------------------------------------------------------------------


class History:
    """Stands in for keras.callbacks.History: only ``.history`` survives the trip."""

    def __init__(self, history: dict[str, list[float]]) -> None:
        self.history = history


def load(record: dict, folder: Path) -> Any:
    """Rebuild a value from its record; raise CheckFailure when it cannot be graded."""
    kind = record.get("kind")
    folder = Path(folder)
    if kind == "json":
        return record["value"]
    if kind == "float":
        return float(record["value"])
    if kind in ("list", "tuple"):
        items = [load(r, folder) for r in record["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: load(r, folder) for k, r in record["items"].items()}
    if kind == "history":
        return History(record["history"])
    if kind == "array":
        return np.load(_inside(folder, record["file"]), allow_pickle=False)
    if kind == "model":
        return _load_model(record, folder)
    raise CheckFailure(
        "Gradable value",
        "a Keras model, an array or a plain Python value",
        f"a value of type {record.get('type', 'unknown')}",
        "return what the task asks for (usually a keras.Model built with the Functional API)",
    )


def _inside(folder: Path, name: str) -> Path:
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents:
        raise CheckFailure("Exported files", "files inside the workspace", name, "")
    return path


def _load_model(record: dict, folder: Path) -> Any:
    import keras

    text = _inside(folder, record["config"]).read_text()
    if len(text) > MAX_JSON_BYTES:
        raise CheckFailure(
            "Model size", "a course-sized model", f"{len(text):,} bytes of config", ""
        )
    architecture = json.loads(text)
    # The compile arguments travel in their own file; in the architecture they would name
    # Python functions (module "builtins") when the student passed keras.losses functions.
    if isinstance(architecture, dict):
        architecture.pop("compile_config", None)
    _refuse_foreign_modules(architecture)
    try:
        model = keras.models.model_from_json(json.dumps(architecture))
    except Exception as exc:
        raise CheckFailure(
            "Rebuilding your model",
            "a model made of standard Keras layers",
            f"{type(exc).__name__}: {str(exc)[:300]}",
            "custom layer classes and Python lambdas cannot be rebuilt by the grader; "
            "use built-in layers, or keras.ops inside the Functional graph",
        ) from None
    with np.load(_inside(folder, record["weights"]), allow_pickle=False) as data:
        weights = [data[f"w{i}"] for i in range(record["n_weights"])]
    _set_weights(model, weights)
    if record.get("compile"):
        _compile_from(model, json.loads(_inside(folder, record["compile"]).read_text()))
    return model


def _set_weights(model: Any, weights: list[np.ndarray]) -> None:
    expected = [tuple(w.shape) for w in model.weights]
    found = [tuple(w.shape) for w in weights]
    if expected != found:
        raise CheckFailure(
            "Model weights",
            f"{len(expected)} weight arrays matching the model's config",
            f"{len(found)} arrays",
            "the exported weights do not belong to this model",
        )
    model.set_weights(weights)
    _finalize_adapted_layers(model)


def _finalize_adapted_layers(model: Any) -> None:
    """Let adapted Normalization layers use the statistics just loaded into their weights.

    ``set_weights`` fills a Normalization's ``mean`` and ``variance`` variables but, unlike
    Keras's own loading, does not call ``finalize_state()``, so the rebuilt layer would go on
    normalizing with mean 0 and variance 1 and compute something the student's model did not.
    """
    import keras

    stack = list(getattr(model, "layers", []))
    while stack:
        layer = stack.pop()
        if isinstance(layer, keras.layers.Normalization):
            layer.finalize_state()
        stack.extend(getattr(layer, "layers", []) if isinstance(layer, keras.Model) else [])


def _compile_from(model: Any, config: dict) -> None:
    try:
        model.compile_from_config(config)
    except Exception:
        model._grader_compile_config = config  # checks can still read the raw mapping


def _refuse_foreign_modules(node: Any) -> None:
    """Deserialising a config may import the modules it names: allow Keras's own only."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            module = item.get("module")
            if isinstance(module, str) and module and not module.split(".")[0] == "keras":
                raise CheckFailure(
                    "Rebuilding your model",
                    "only Keras layers and operations",
                    f"an object from module {module!r}",
                    "use built-in Keras layers so the grader can rebuild your model",
                )
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
