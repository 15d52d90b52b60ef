"""What repeated projections in one process need not redo: the default dataset and the inputs
prepared from a scenario (the part that does not depend on the Monte Carlo settings).

A notebook or server calling ``milex.project()`` with default arguments gets the snapshot read
once, while it is unchanged on disk (the key is the descriptor a snapshot commits last: its
path, size, modification time and inode), and a new seed or path count reads no data.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milex.projection._inputs import Prepared, prepare
from milex.projection._shocks import SHOCKS_NOTE, shocks_note, shocks_of
from milex.projection.scenario import Scenario

if TYPE_CHECKING:
    from milex.data.store import Dataset

_DEFAULT: list[tuple[tuple[Any, ...], Dataset]] = []
_DEFAULT_LOCK = threading.Lock()


def default_dataset() -> Dataset:
    """The dataset ``milex.load()`` opens, opened once while its descriptor is unchanged."""
    from milex.data.bundle import DATAPACKAGE, package_dir
    from milex.data.store import Dataset
    from milex.data.update._locate import choose_snapshot

    directory = choose_snapshot(None)[0]
    descriptor = Path(directory or package_dir()) / DATAPACKAGE
    try:
        st = descriptor.stat()
    except OSError:  # let opening it say what is wrong
        return Dataset.open(None)
    key = (str(directory), str(descriptor), st.st_size, st.st_mtime_ns, st.st_ino)
    with _DEFAULT_LOCK:
        if _DEFAULT and _DEFAULT[0][0] == key:
            return _DEFAULT[0][1]
    dataset = Dataset.open(None)
    with _DEFAULT_LOCK:
        _DEFAULT[:] = [(key, dataset)]
    return dataset


_MEMO: weakref.WeakKeyDictionary[Any, OrderedDict[str, Prepared]] = weakref.WeakKeyDictionary()
_MEMO_LOCK = threading.Lock()
MEMO_SIZE = 16


def prepare_cached(scenario: Scenario, ds: Dataset) -> Prepared:
    """``prepare`` with the part that does not depend on the Monte Carlo settings memoised per
    dataset: a new seed or path count (the scenario builder, a sensitivity loop) reads no data.

    The memo holds the last MEMO_SIZE scenarios per dataset, and goes when the dataset does;
    its arrays are read-only, so no caller can change another's inputs.
    """
    unc = scenario.uncertainty
    key = json.dumps(scenario.with_changes(uncertainty={}).to_dict(), sort_keys=True)
    with _MEMO_LOCK:
        memo = _MEMO.setdefault(ds, OrderedDict())
        base = memo.get(key)
        if base is not None:
            memo.move_to_end(key)
    if base is None:
        base = prepare(scenario.with_changes(uncertainty={}), ds)
        inp = base.inputs
        arrays = [inp.years, inp.gdp0, inp.growth, inp.inflation, inp.fx, inp.fx_const]
        arrays += [a for p in inp.parts for a in (p.share, p.real, p.base_share)]
        for array in arrays + [members for _, members in inp.groups]:
            array.flags.writeable = False
        with _MEMO_LOCK:
            memo[key] = base
            while len(memo) > MEMO_SIZE:
                memo.popitem(last=False)
    notes = [shocks_note(unc) if n.startswith(SHOCKS_NOTE) else n for n in base.notes]
    return replace(
        base,
        scenario=base.scenario.with_changes(uncertainty=unc.model_dump()),
        shocks=shocks_of(unc),
        notes=notes,
    )
