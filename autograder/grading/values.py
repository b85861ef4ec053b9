"""What a student's code built, as plain data that can leave the sandbox.

Inside the sandbox the harness turns each value a test asks for into files: a model becomes its
JSON config, its weights and its compile config; arrays become ``.npy`` files; plain Python
values become JSON. Outside, a clean process rebuilds the values from those files and the checks
run there, so nothing the student's code did to Keras, to builtins or to our own functions can
change a grade. Forging these files means writing the config of the right model, which is the
task itself.
"""

from __future__ import annotations

import builtins
import io
import json
import math
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from autograder.errors import CheckFailure

MAX_JSON_BYTES = 5_000_000
MAX_WEIGHT_BYTES = 512 * 1024**2  # one weight array; ResNet50's largest is 9 MiB


Sink = Callable[[str, bytes], None]  # (file name, contents): where the files go


def dump(value: Any, sink: Path | Sink, key: str) -> dict:
    """Turn VALUE into files given to SINK and return the JSON-able record that describes it.

    SINK is a folder, or (in the driver) a function that sends each file to the grader: the
    driver never leaves a file where the student's code could swap or replace it.
    """
    return _dump(value, _writer(sink), key, depth=0)


def _writer(sink: Path | Sink) -> Sink:
    if callable(sink):
        return sink
    folder = Path(sink)
    return lambda name, data: (folder / name).write_bytes(data)


def trust_current_types() -> None:
    """Remember Keras's own History class before any student code runs.

    A student's object with a ``history`` attribute, or a History class swapped into
    ``keras.callbacks``, must not pass as the record of a training run.
    """
    keras = sys.modules.get("keras")
    if keras is not None:
        _TRUSTED["history"] = keras.callbacks.History


_TRUSTED: dict[str, type] = {}


def _dump(value: Any, write: Sink, key: str, depth: int) -> dict:
    if depth > 4:
        return {"kind": "unsupported", "type": "deeply nested value"}
    if _is_keras_model(value):
        return _dump_model(value, write, key)
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not math.isfinite(value):
            return {"kind": "float", "value": repr(value)}
        return {"kind": "json", "value": value}
    if isinstance(value, (list, tuple)):
        items = [_dump(v, write, f"{key}.{i}", depth + 1) for i, v in enumerate(value)]
        return {"kind": "tuple" if isinstance(value, tuple) else "list", "items": items}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        items = {k: _dump(v, write, f"{key}.{k}", depth + 1) for k, v in value.items()}
        return {"kind": "dict", "items": items}
    if _is_training_history(value):
        history = {str(k): [float(x) for x in v] for k, v in dict(value.history).items()}
        return {"kind": "history", "history": history}
    if hasattr(value, "__array__") or hasattr(value, "numpy"):
        array = np.asarray(value)
        if array.dtype == object:
            return {"kind": "unsupported", "type": type(value).__name__}
        write(f"{key}.npy", _npy_bytes(array))
        return {"kind": "array", "file": f"{key}.npy"}
    return {"kind": "unsupported", "type": _type_name(value)}


def _is_training_history(value: Any) -> bool:
    """Only the History object ``fit`` returns; a look-alike is just an unsupported value."""
    trusted = _TRUSTED.get("history")
    return trusted is not None and type(value) is trusted and isinstance(value.history, dict)


def _type_name(value: Any) -> str:
    name = type(value).__name__
    return "an object with a history that fit() did not make" if name == "History" else name


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _is_keras_model(value: Any) -> bool:
    keras = sys.modules.get("keras")  # never import it for a notebook that did not
    return keras is not None and isinstance(value, keras.Model)


def _dump_model(model: Any, write: Sink, key: str) -> dict:
    config = model.to_json()
    weights = {f"w{i}": np.asarray(w) for i, w in enumerate(model.get_weights())}
    buffer = io.BytesIO()
    np.savez(buffer, **weights)
    write(f"{key}.weights.npz", buffer.getvalue())
    write(f"{key}.model.json", config.encode())
    compile_config = None
    try:
        compile_config = model.get_compile_config()
    except Exception:
        compile_config = None
    if compile_config:
        write(f"{key}.compile.json", json.dumps(compile_config, default=str).encode())
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
    weights = _read_weights(_inside(folder, record["weights"]), model, record.get("n_weights"))
    model.set_weights(weights)
    _finalize_adapted_layers(model)
    if record.get("compile"):
        compile_config = json.loads(_inside(folder, record["compile"]).read_text())
        _refuse_foreign_modules(compile_config)
        _compile_from(model, compile_config)
    return model


def _read_weights(path: Path, model: Any, count: Any) -> list[np.ndarray]:
    """The weight arrays, read only once their headers match the shapes the config implies.

    A small file can claim huge arrays (a compressed member, or a header that lies), so the
    headers are compared with the rebuilt model's own weight shapes before any data is read:
    the model, not the file, decides how much memory the weights may take.
    """
    expected = [tuple(w.shape) for w in model.weights]
    mismatch = CheckFailure(
        "Model weights",
        f"{len(expected)} weight arrays matching the model's config",
        f"{count} arrays" if count != len(expected) else "arrays of other shapes",
        "the exported weights do not belong to this model",
    )
    if count != len(expected):
        raise mismatch
    with zipfile.ZipFile(path) as archive:
        names = [f"w{i}.npy" for i in range(len(expected))]
        headers = [_npy_header(archive, name) for name in names]
        if [shape for shape, _, _ in headers] != expected:
            raise mismatch
        pairs = zip(names, headers, strict=True)
        return [_npy_data(archive, name, header) for name, header in pairs]


def _npy_header(archive: zipfile.ZipFile, name: str) -> tuple[tuple, np.dtype, int]:
    try:
        info = archive.getinfo(name)
        with archive.open(info) as f:
            shape, fortran, dtype = _npy_header_fields(f)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        raise CheckFailure(
            "Model weights", "the weights the grader exported", f"a damaged file ({name})", ""
        ) from None
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if dtype.hasobject or fortran or size > MAX_WEIGHT_BYTES or info.file_size > size + 4096:
        raise CheckFailure(
            "Model weights", "plain numeric arrays of a course-sized model", name, ""
        )
    return tuple(shape), dtype, size


def _npy_header_fields(f: BinaryIO) -> tuple[tuple, bool, np.dtype]:
    """numpy's public readers of an .npy header: shape, Fortran order, dtype; no data read."""
    major, _ = np.lib.format.read_magic(f)
    if major == 1:
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f)


def _npy_data(archive: zipfile.ZipFile, name: str, header: tuple) -> np.ndarray:
    shape, dtype, size = header
    with archive.open(name) as f:
        _npy_header_fields(f)
        data = f.read(size + 1)
    if len(data) != size:
        raise CheckFailure("Model weights", "complete weight arrays", f"a truncated {name}", "")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


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
    """Deserialising a config may import the modules it names and call the functions it
    names: allow Keras's own objects only, and as functions only activations, losses,
    metrics and operations (``keras.config.set_epsilon`` as an activation would change the
    grader's Keras for every student after this one)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            module = item.get("module")
            if isinstance(module, str) and module and not _allowed(module, item):
                raise CheckFailure(
                    "Rebuilding your model",
                    "only Keras layers, activations, losses, metrics and operations",
                    f"an object from module {module!r}",
                    "use built-in Keras layers so the grader can rebuild your model",
                )
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


FUNCTION_MODULES = ("activations", "losses", "metrics", "ops")


def _allowed(module: str, item: dict) -> bool:
    parts = module.split(".")
    if module == "builtins":  # a compile config names keras.losses functions so; Keras then
        name = item.get("config")  # finds them by name, unless builtins has one (eval, exec)
        return item.get("class_name") == "function" and not hasattr(builtins, str(name))
    if parts[0] != "keras":
        return False
    if item.get("class_name") != "function":
        return True
    inner = parts[2:] if parts[1:2] == ["src"] else parts[1:]
    return bool(inner) and inner[0] in FUNCTION_MODULES
