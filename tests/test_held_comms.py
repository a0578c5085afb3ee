"""A Voilà page's widgets say nothing until the page asks for their states (hazardlib.apps.ui.hold_until_asked):
in a real kernel, the messages on IOPub before and after the page's ``request_states``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel

VOILA = "VOILA_REQUEST_URL"
LIMIT = 60  # seconds to wait for any one message

MAKE = """
from hazardlib.apps import ui
ui.hold_until_asked()
import ipywidgets
before = ipywidgets.Dropdown(options=["a"])
before.options = ["a", "b"]  # an update made before the page asks
print(before.model_id)
"""
AFTER = """
before.options = ["x", "y", "z"]
after = ipywidgets.HTML("新")
print(after.model_id)
"""


@pytest.fixture
def kernel(request: pytest.FixtureRequest) -> Iterator[BlockingKernelClient]:
    """A kernel as Voilà starts one for a page (``VOILA_REQUEST_URL`` set), or with ``voila=False`` as
    JupyterLab does."""
    env = {k: v for k, v in os.environ.items() if k not in (VOILA, "VOILA_PREHEAT")}
    if getattr(request, "param", True):
        env[VOILA] = "http://127.0.0.1/voila/render/ledger.ipynb"
    km: KernelManager
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run(kc: BlockingKernelClient, code: str) -> tuple[str, list[tuple[str, str, Any]]]:
    """Run ``code``; what it printed and the comm messages on IOPub until it is done: (type, comm id, data)."""
    msg_id = kc.execute(code)
    printed, comms = "", []
    while True:
        msg = kc.get_iopub_msg(timeout=LIMIT)
        kind, content = msg["msg_type"], msg["content"]
        if kind.startswith("comm_"):
            comms.append((kind, content["comm_id"], content.get("data", {})))
        elif kind == "stream":
            printed += content["text"]
        elif kind == "error":
            raise AssertionError("\n".join(content["traceback"]))
        elif (
            kind == "status"
            and content["execution_state"] == "idle"
            and msg["parent_header"].get("msg_id") == msg_id
        ):
            return printed.strip(), comms


def request_states(kc: BlockingKernelClient) -> dict[str, Any]:
    """As a page's widget manager does once connected: open the control comm and ask for every state."""
    kc.shell_channel.send(
        kc.session.msg(
            "comm_open",
            {"comm_id": "control", "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": "1.0.0"},
        )
    )
    kc.shell_channel.send(
        kc.session.msg("comm_msg", {"comm_id": "control", "data": {"method": "request_states"}})
    )
    while True:
        msg = kc.get_iopub_msg(timeout=LIMIT)
        data = msg["content"].get("data", {})
        if msg["msg_type"] == "comm_msg" and data.get("method") == "update_states":
            return dict(data["states"])


def test_a_pages_widgets_say_nothing_until_it_asks_for_their_states_then_speak(kernel):
    before, comms = run(kernel, MAKE)
    assert comms == []  # no opening, no update: nothing the server reads for nobody
    states = request_states(kernel)
    assert states[before]["state"]["_options_labels"] == ["a", "b"]  # the held update is in the state
    after, comms = run(kernel, AFTER)
    updates = [data["state"] for kind, comm_id, data in comms if kind == "comm_msg" and comm_id == before]
    assert {"_options_labels": ["x", "y", "z"]} in updates  # the page hears the widget made before it asked
    assert ("comm_open", after) in {(kind, comm_id) for kind, comm_id, _ in comms}  # and one made after


@pytest.mark.parametrize("kernel", [False], indirect=True)
def test_outside_a_voila_page_widgets_speak_at_once(kernel):
    before, comms = run(kernel, MAKE)
    assert ("comm_open", before) in {(kind, comm_id) for kind, comm_id, _ in comms}
    updates = [data["state"] for kind, comm_id, data in comms if kind == "comm_msg" and comm_id == before]
    assert {"_options_labels": ["a", "b"]} in updates
