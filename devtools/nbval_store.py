"""Build the store the notebooks are validated against: the demo campaign, seed 7, scale 1, in a SQLite
file — the figures pinned in the notebooks (``# NBVAL_CHECK_OUTPUT``) are this store's.

    python -m devtools.nbval_store /tmp/nb/demo.db      # prints sqlite:////tmp/nb/demo.db
    HAZARD_DB=sqlite:////tmp/nb/demo.db pytest --nbval-lax --nbval-current-env notebooks/

A file that already holds this demo is reused as it is; a file holding anything else is refused.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from hazardlib.demo import generate
from hazardlib.explore.workbook import DEMO_SCALE, DEMO_SEED, is_empty
from hazardlib.store import open_store

USER = "笔记本验证"
MESSAGES = {
    "usage": "用法：python -m devtools.nbval_store 数据库文件路径",
    "other": "“{path}”已有数据，且不是种子 {seed}、规模 {scale:g} 的演示数据（种子 {found_seed}，规模 {found_scale}），未做修改",
    "building": "正在生成演示数据（种子 {seed}，规模 {scale:g}）：{path}",
}


def build(path: str | Path, *, progress: bool = False) -> str:
    """The URL of a SQLite store at ``path`` holding the demo (seed 7, scale 1), built if the file is new
    or empty. Raises ValueError (Chinese message) for a store that holds other records."""
    target = Path(path).resolve()
    url = f"sqlite:///{target}"
    store = open_store(url, user=USER)
    try:
        seed, scale = store.meta("demo_seed"), store.meta("demo_scale")
        if seed is None and is_empty(store):
            print(MESSAGES["building"].format(seed=DEMO_SEED, scale=DEMO_SCALE, path=target), file=sys.stderr)
            generate(store, seed=DEMO_SEED, scale=DEMO_SCALE, progress=progress)
        elif seed != str(DEMO_SEED) or scale is None or float(scale) != DEMO_SCALE:
            raise ValueError(
                MESSAGES["other"].format(
                    path=target, seed=DEMO_SEED, scale=DEMO_SCALE, found_seed=seed, found_scale=scale
                )
            )
    finally:
        store.dispose()
    return url


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(MESSAGES["usage"], file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    try:
        print(build(args[0]))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
