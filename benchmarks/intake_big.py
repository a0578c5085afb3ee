"""Generate an N-row enterprises spreadsheet and import it, printing the time taken and the peak memory.

    .venv/bin/python benchmarks/intake_big.py --rows 200000
    .venv/bin/python benchmarks/intake_big.py --rows 1000000 --keep /tmp/big

The import runs in a child process so that its peak resident memory (ru_maxrss) is its own. The file
is written with openpyxl's streaming writer (inline strings, as many systems export), so the sheet is
larger than Excel's own would be and the import takes the streaming reader above 64 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stdnum.cn import uscc as stdnum_uscc

COUNTIES = (
    "522701",
    "522702",
    "522722",
    "522723",
    "522725",
    "522726",
    "522727",
    "522728",
    "522729",
    "522730",
    "522731",
    "522732",
)
FIELDS = ("生产单位", "销售单位", "生产销售单位")
PRODUCTS = ("水泥", "电线电缆", "安全帽", "灭火器", "电动自行车", "燃气灶具")


def uscc(county: str, serial: int) -> str:
    """A valid 统一社会信用代码 for a made-up enterprise."""
    org = f"{serial:08d}"
    check = 11 - sum(int(c) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    base = f"91{county}{org}"
    return base + stdnum_uscc.calc_check_digit(base)


def generate(path: Path, rows: int) -> float:
    from openpyxl import Workbook

    start = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("企业名录")
    sheet.append(["黔南州重点工业产品生产销售企业名录（测试数据）"])
    sheet.append(
        [
            "序号",
            "统一社会信用代码",
            "企业名称",
            "所属县（市）",
            "企业类型",
            "地址",
            "位于生产销售企业集聚区",
            "生产许可证编号",
            "生产或销售的产品",
            "联系人及电话",
        ]
    )
    for i in range(rows):
        county = COUNTIES[i % len(COUNTIES)]
        sheet.append(
            [
                i + 1,
                uscc(county, i + 1),
                f"黔南测试第{i + 1}号企业有限公司",
                county,
                FIELDS[i % 3],
                f"测试路{i % 977}号",
                "是" if i % 7 == 0 else "否",
                None,
                PRODUCTS[i % len(PRODUCTS)],
                f"联系人{i % 100} 138{i % 100000000:08d}",
            ]
        )
    book.save(path)
    return time.perf_counter() - start


def import_only(path: Path, url: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from hazardlib.intake import import_file
    from hazardlib.store import open_store

    store = open_store(url, user="基准测试")
    start = time.perf_counter()
    report = import_file(store, path, today=dt.date(2024, 9, 15))
    took = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    rate = (report.inserted + report.updated + report.unchanged) / took
    print(f"  {report.summary()}")
    print(f"  import: {took:.1f} s wall, {cpu:.1f} s CPU ({rate:,.0f} rows/s), peak RSS {peak:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the file and store in")
    parser.add_argument("--twice", action="store_true", help="import the same file a second time")
    parser.add_argument("--import-only", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        import_only(args.import_only, args.db)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="intake_big_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"enterprises_{args.rows}.xlsx"
    url = f"sqlite:///{folder / 'bench.db'}"
    (folder / "bench.db").unlink(missing_ok=True)
    if not path.exists():
        took = generate(path, args.rows)
        print(f"generated {args.rows:,} rows in {took:.1f} s: {path} ({path.stat().st_size / 2**20:.0f} MB)")
    runs = 2 if args.twice else 1
    for run in range(runs):
        print(f"run {run + 1}:")
        subprocess.run([sys.executable, __file__, "--import-only", str(path), "--db", url], check=True)


if __name__ == "__main__":
    main()
