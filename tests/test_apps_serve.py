"""``hazard serve`` and the dashboard notebooks: Voilà on loopback, in Chinese, kernels culled, sources and
tracebacks hidden, nothing from the internet; the session bound by the server; each notebook a title
and an app."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from jupyter_core.paths import jupyter_path
from traitlets.config.loader import PyFileConfigLoader

from hazardlib import serve
from hazardlib.apps import DASHBOARDS
from hazardlib.apps.exports import MAX_UPLOAD_MB
from hazardlib.apps.session import Session
from hazardlib.cli import main

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SESSION = Session(url="sqlite:///w.db", county="522701", as_of=dt.date(2024, 9, 15), user="张三")


def test_voila_serves_loopback_in_chinese_with_idle_kernels_culled_and_no_overrides_from_the_url():
    cmd = serve.voila_command(serve.ServeConfig(SESSION, port=8899, root=ROOT / "dashboards"))
    assert cmd[1:4] == ["-m", "voila", str(ROOT / "dashboards")]
    for flag in (
        "--Voila.ip=127.0.0.1",
        "--Voila.port=8899",
        "--VoilaExporter.language_code=zh",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.extension_denylist=['jupyterlab_pygments']",  # no code shown, no highlighting
        "--MappingKernelManager.cull_idle_timeout=30",
        "--MappingKernelManager.cull_interval=10",
        "--template=hazard",
        "--no-browser",
    ):
        assert flag in cmd, flag
    assert not any(a.startswith("--ip") for a in cmd)  # silently ignored by Voilà: --Voila.ip it is


def test_the_session_travels_to_the_kernels_in_the_environment_with_the_template(tmp_path):
    env = serve.voila_env(
        serve.ServeConfig(SESSION, log_file=tmp_path / "d.log"), base={"JUPYTER_PATH": "/x"}
    )
    assert {
        k: env[k] for k in ("HAZARD_DB", "HAZARD_COUNTY", "HAZARD_AS_OF", "HAZARD_USER", "HAZARD_LOG")
    } == {
        "HAZARD_DB": "sqlite:///w.db",
        "HAZARD_COUNTY": "522701",
        "HAZARD_AS_OF": "2024-09-15",
        "HAZARD_USER": "张三",
        "HAZARD_LOG": str(tmp_path / "d.log"),
    }
    first, rest = env["JUPYTER_PATH"].split(":", 1)
    assert rest == "/x" and (Path(first) / "voila" / "templates" / "hazard" / "index.html.j2").is_file()
    config = (Path(env["JUPYTER_CONFIG_PATH"].split(":")[0]) / "voila.py").read_text(encoding="utf-8")
    assert "c.Voila.tornado_settings = tornado_settings(login=login_required())" in config
    for login in (False, True):
        mb = serve.tornado_settings(login)["websocket_max_message_size"] / 1024 / 1024
        assert mb >= MAX_UPLOAD_MB  # an upload the import accepts gets through Voilà's websocket
    assert serve.tornado_settings(login=False)["allow_remote_access"] is False  # loopback Host only
    assert serve.tornado_settings(login=True)["allow_remote_access"] is True  # the login cookie guards it
    assert Session.from_env(env) == SESSION


def test_the_template_points_every_stylesheet_voilas_lab_template_loads_from_the_internet_elsewhere():
    lab = next(
        p for p in map(Path, jupyter_path("voila", "templates", "lab", "index.html.j2")) if p.is_file()
    )
    remote = set(re.findall(r'href="(https?://[^"]+)"', lab.read_text(encoding="utf-8")))
    ours = (serve.template_root() / "voila" / "templates" / "hazard" / "index.html.j2").read_text(
        encoding="utf-8"
    )
    assert remote and all(f'replace("{url}", "data:text/css,")' in ours for url in remote)


def test_hazard_serve_binds_the_county_date_and_person_and_says_so(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(serve, "run", lambda config: started.append(config))
    url = f"sqlite:///{tmp_path / 'w.db'}"
    port = free_port()
    args = [
        "serve",
        "--db",
        url,
        "--county",
        "522722",
        "--as-of",
        "2024-09-15",
        "--user",
        "李四",
        "--port",
        str(port),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    (config,) = started
    assert config.session == Session(url=url, county="522722", as_of=dt.date(2024, 9, 15), user="李四")
    assert (config.host, config.port) == ("127.0.0.1", port)
    assert (
        f"http://127.0.0.1:{port}/" in result.output
        and "荔波县" in result.output
        and "2024-09-15" in result.output
    )
    assert (tmp_path / "w.db").is_file()  # the store was created before the server started


def test_the_banner_says_whether_login_is_on_and_never_shows_the_database_password(tmp_path):
    local = serve.banner(serve.ServeConfig(SESSION, log_file=tmp_path / "d.log"))
    assert "登录：未启用" in local and "都匀市" in local and "张三" in local
    exposed = serve.banner(
        serve.ServeConfig(SESSION, host="0.0.0.0", log_file=tmp_path / "d.log", login=True)
    )
    assert "登录：已启用" in exposed and "HTTPS" in exposed
    assert "都匀市" not in exposed and "张三" not in exposed  # each login brings its own county and person
    pg = Session(url="postgresql://hz:secret@db/hz", county=None, as_of=dt.date(2024, 9, 15), user="张三")
    shown = serve.banner(serve.ServeConfig(pg, log_file=tmp_path / "d.log"))
    assert "secret" not in shown and "postgresql://hz:***@db/hz" in shown


def test_each_dashboard_is_a_chinese_title_and_an_app_and_is_saved_clean():
    folder = ROOT / "dashboards"
    expected = {"index.ipynb": "LandingApp", **{d.notebook: d.app for d in DASHBOARDS}}
    assert {p.name for p in folder.glob("*.ipynb")} == set(expected)
    for name, app in expected.items():
        nb = json.loads((folder / name).read_text(encoding="utf-8"))
        title, *code = nb["cells"]
        assert title["cell_type"] == "markdown" and re.match(r"# [\u4e00-\u9fff]", "".join(title["source"]))
        assert len(code) == 3 and all(c["cell_type"] == "code" for c in code), name
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), name
        # the page's first paint in a cell of its own (its HTML reaches the page before the app is built), then
        # the app for the same session
        sources = ["".join(c["source"]) for c in code]
        assert sources == [
            f"from hazardlib.apps import {app}",
            f"page = {app}.opening()\npage",
            "page.app.widget",
        ]
        assert re.match(r"[\u4e00-\u9fff]", nb["metadata"]["title"]), name


def test_a_port_in_use_is_refused_in_chinese_before_anything_starts(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--port", str(port)]
        )
    assert result.exit_code == 1 and "端口已被占用" in result.output


def test_a_county_outside_the_prefecture_is_refused_before_anything_starts(tmp_path):
    db = tmp_path / "w.db"
    result = CliRunner().invoke(main, ["serve", "--db", f"sqlite:///{db}", "--county", "110101"])
    assert result.exit_code != 0 and "不是黔南州所辖县（市）" in result.output


def test_a_kernel_pool_is_off_unless_asked_for_and_then_voila_preheats_and_passes_only_the_binding_header():
    plain = serve.voila_command(serve.ServeConfig(SESSION, root=ROOT / "dashboards"))
    assert not any("preheat" in flag or "pool_size" in flag for flag in plain)
    pooled = serve.voila_command(serve.ServeConfig(SESSION, root=ROOT / "dashboards", pool=2))
    assert "--VoilaConfiguration.preheat_kernel=True" in pooled
    assert "--VoilaConfiguration.default_pool_size=2" in pooled
    assert "--VoilaConfiguration.http_header_envs=['X-Hazard-Binding']" in pooled
    env = serve.voila_env(serve.ServeConfig(SESSION, host="10.0.0.5", pool=2), base={})
    assert (
        env["HAZARD_POOL"] == "2" and env["VOILA_APP_IP"] == "10.0.0.5"
    )  # where a kernel asks for its request
    assert serve.voila_env(serve.ServeConfig(SESSION, host="0.0.0.0"), base={})["VOILA_APP_IP"] == "127.0.0.1"


def test_a_pool_size_out_of_range_is_refused_in_chinese(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--pool", "9"])
    assert result.exit_code != 0 and "--pool" in result.output
    assert serve.pool_size(None) == serve.DEFAULT_POOL == 0
    for bad in ("-1", "9", "几个"):
        with pytest.raises(serve.BadPool, match="0 到 8 之间的整数"):
            serve.pool_size(bad)


def test_the_landing_page_and_the_ledger_keep_one_preheated_kernel_more_than_the_other_dashboards(
    monkeypatch,
):
    assert set(serve.BUSIEST_NOTEBOOKS) <= {p.name for p in serve.dashboards_dir().glob("*.ipynb")}
    assert serve.kernel_pools(0) == {}  # no pool: Voilà's own default stands
    pools = serve.kernel_pools(1)
    assert pools["default"] == {"pool_size": 1}
    assert {name: pools[name] for name in serve.BUSIEST_NOTEBOOKS} == {
        "index.ipynb": {"pool_size": 2},
        "ledger.ipynb": {"pool_size": 2},
    }
    # The template's config file, loaded as Voilà loads it, gives Voilà these sizes for the server's --pool only.
    env = serve.voila_env(serve.ServeConfig(SESSION, pool=1), base={})
    folder = env["JUPYTER_CONFIG_PATH"].split(":")[0]
    for size, expected in (("1", pools), ("0", None)):
        monkeypatch.setenv(serve.ENV_POOL, size)
        config = PyFileConfigLoader("voila.py", path=folder).load_config()
        given = (
            config.VoilaKernelManager.get("kernel_pools_config") if "VoilaKernelManager" in config else None
        )
        assert given == expected


def test_the_kernel_bound_fills_the_memory_budget_and_no_more():
    bound = serve.kernel_bound(24_000)  # a machine with more free memory than the budget: the budget decides
    assert serve.SERVER_MB + bound * serve.KERNEL_MB <= serve.MEMORY_BUDGET_MB
    assert serve.SERVER_MB + (bound + 1) * serve.KERNEL_MB > serve.MEMORY_BUDGET_MB
    assert bound >= 60  # at least the fixed bound it replaced, on a machine like the benchmark's
    assert serve.kernel_bound(None) == bound  # free memory unknown: the budget alone
    plain = serve.kernel_bound(24_000, fork_kernels=False)  # kernels started anew share less: fewer fit
    assert (
        serve.SERVER_MB + plain * serve.KERNEL_PLAIN_MB
        <= serve.MEMORY_BUDGET_MB
        < serve.SERVER_MB + (plain + 1) * serve.KERNEL_PLAIN_MB
    )
    assert plain < bound


def test_a_machine_with_little_free_memory_gets_a_lower_bound_never_below_the_floor():
    free = 2048  # MB: the server may take MACHINE_SHARE of it
    bound = serve.kernel_bound(free)
    assert serve.MIN_KERNELS < bound < serve.kernel_bound(None)
    assert serve.SERVER_MB + bound * serve.KERNEL_MB <= free * serve.MACHINE_SHARE
    assert serve.SERVER_MB + (bound + 1) * serve.KERNEL_MB > free * serve.MACHINE_SHARE
    # just short of the floor's memory: the floor, so that the pools and a few pages still fit
    floor_free = (serve.SERVER_MB + serve.MIN_KERNELS * serve.KERNEL_MB) / serve.MACHINE_SHARE
    assert serve.kernel_bound(floor_free) == serve.MIN_KERNELS
    assert serve.kernel_bound(floor_free - serve.KERNEL_MB) == serve.MIN_KERNELS
    assert serve.kernel_bound(0) == serve.MIN_KERNELS
    pools = serve.kernel_pools(1)  # one preheated kernel per dashboard, two for the busiest pages
    pooled = sum(
        pools.get(nb.name, pools["default"])["pool_size"] for nb in serve.dashboards_dir().glob("*.ipynb")
    )
    assert pooled < serve.MIN_KERNELS  # the floor holds the pools and pages beside them


def test_the_free_memory_is_read_from_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24683520 kB\nMemFree:  18000000 kB\nMemAvailable:    2097152 kB\n")
    assert serve.available_memory_mb(meminfo) == 2048
    meminfo.write_text("MemTotal:       24683520 kB\nMemFree:  18000000 kB\n")  # an old kernel: not known
    assert serve.available_memory_mb(meminfo) is None
    assert serve.available_memory_mb(tmp_path / "absent") is None


def test_hazard_serve_gives_voila_the_bound_from_memory_unless_max_kernels_is_given(tmp_path, monkeypatch):
    started: list[serve.ServeConfig] = []
    monkeypatch.setattr(serve, "run", lambda config: started.append(config))
    monkeypatch.setattr(serve, "available_memory_mb", lambda: 2048.0)
    url = f"sqlite:///{tmp_path / 'w.db'}"
    for extra, expected in (([], serve.kernel_bound(2048.0)), (["--max-kernels", "7"], 7)):
        result = CliRunner().invoke(main, ["serve", "--db", url, "--port", str(free_port()), *extra])
        assert result.exit_code == 0, result.output
        config = started.pop()
        assert config.max_kernels == expected
        assert f"--BoundedKernelManager.max_kernels={expected}" in serve.voila_command(config)
        assert f"同时至多 {expected} 个" in result.output
    assert serve.kernel_bound(2048.0) != 7
