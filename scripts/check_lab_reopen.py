"""Check an explorer in a real JupyterLab: live, then reopened without its kernel.

Usage::

    .venv/bin/python scripts/check_lab_reopen.py

Writes a one-cell notebook with an explorer into a temporary folder, starts
JupyterLab on it (127.0.0.1, a free port, no token), and drives Debian's
Chromium with Playwright: run the cell, move the slider with the keyboard,
save; shut the kernel down; open the notebook again. Prints what it finds
and leaves screenshots in ``tests/artifacts/lab-explorer-*.png``. Exit code 0
when the live figure follows the slider, the saved notebook holds the
widgets' state, and the reopened notebook shows the explorer's static view:
its controls (drawn from the saved state) and its figure, and no "Error
displaying widget: model not found".

Why the state is saved: JupyterLab's widget renderer (jupyterlab_widgets 3)
draws a widget view from the model the kernel made, or from the widget state
saved in the notebook's metadata; with neither it shows "model not found"
and does not fall back to the output's other MIME types. Saving the state is
jupyterlab_widgets' own setting ("Save Widget State Automatically",
``saveState``), which ``make setup`` turns on for this environment
(``share/jupyter/lab/settings/overrides.json``). The figure is a plain
output of its own (plotly JSON), which survives in any case.

Takes a minute or two (JupyterLab and a kernel start); tests/test_viz_explorer.py
runs it when Chromium is installed (``slow``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CELL = '''import numpy as np
import plotly.graph_objects as go
from rnn_helpers.viz.explorer import Control, Explorer


def fig(w):
    t = np.arange(10)
    return go.Figure(go.Scatter(x=t, y=np.tanh(w * t), name="y"))


Explorer(fig, [Control("w", [0.5, 1.0, 2.0], label="weight w_hh")],
         alt="A saturating line", title="Slope", yrange="shared")'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebook(folder: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / "explorer.ipynb"
    nbformat.write(nb, path)
    return path


def _saved_y(path: Path) -> list:
    outputs = json.loads(path.read_text())["cells"][0]["outputs"]
    fig = next(o["data"]["application/vnd.plotly.v1+json"] for o in outputs
               if "application/vnd.plotly.v1+json" in o.get("data", {}))
    y = fig["data"][0]["y"]
    if isinstance(y, dict):  # plotly's base64 typed array
        import base64

        import numpy as np

        y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return [round(v, 4) for v in y]


def main() -> int:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="rnn-lab-"))
    nb_path = _write_notebook(folder)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    jupyter = Path(sys.executable).with_name("jupyter")
    log = open(folder / "lab.log", "w")
    lab = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.token=", "--ServerApp.password=", "--allow-root",
         "--ServerApp.disable_check_xsrf=True",
         f"--notebook-dir={folder}"], stdout=log, stderr=subprocess.STDOUT)
    ok = True
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/api/status", timeout=2)
                break
            except OSError:
                time.sleep(1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/lab/tree/explorer.ipynb")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   timeout=180000)
            for _attempt in range(3):  # a kernel that is still starting drops the request
                page.locator(".jp-Cell").first.click()
                page.keyboard.press("Shift+Enter")
                try:
                    page.wait_for_selector(".jp-OutputArea .main-svg", timeout=60000)
                    break
                except Exception:
                    page.screenshot(path=str(ARTIFACTS / "lab-explorer-waiting.png"))
            else:
                raise RuntimeError("the cell never showed its figure")
            page.wait_for_selector(".jp-OutputArea .widget-slider", timeout=60000)
            page.keyboard.press("Control+s")
            time.sleep(3)
            y_default = _saved_y(nb_path)
            page.screenshot(path=str(ARTIFACTS / "lab-explorer-live.png"))
            page.locator(".jp-OutputArea .widget-slider .noUi-handle").first.focus()
            page.keyboard.press("ArrowRight")
            time.sleep(3)
            page.keyboard.press("Control+s")
            time.sleep(3)
            y_moved = _saved_y(nb_path)
            moved = y_moved != y_default
            print(f"live: slider moved, figure output redrawn in place: {moved}")
            ok &= moved
            state = json.loads(nb_path.read_text())["metadata"].get("widgets", {})
            models = state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
            print(f"saved with the notebook: the state of {len(models)} widget models")
            ok &= len(models) > 0
            browser.close()
        for kind in ("sessions", "kernels"):
            for item in json.load(urllib.request.urlopen(f"{base}/api/{kind}")):
                urllib.request.urlopen(urllib.request.Request(
                    f"{base}/api/{kind}/{item['id']}", method="DELETE"))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/lab/tree/explorer.ipynb")
            page.wait_for_selector(".jp-OutputArea", timeout=180000)
            time.sleep(8)
            figures = page.locator(".jp-OutputArea .js-plotly-plot").count()
            errors = page.locator("text=Error displaying widget").count()
            sliders = page.locator(".jp-OutputArea .widget-slider").count()
            page.screenshot(path=str(ARTIFACTS / "lab-explorer-reopened.png"))
            print(f"reopened without the kernel: {figures} figure(s) drawn, {sliders} "
                  f"slider(s) shown, {errors} 'Error displaying widget' line(s)")
            ok &= figures == 1 and sliders == 1 and errors == 0
            browser.close()
    finally:
        lab.terminate()
        lab.wait(30)
        log.close()
    print("OK" if ok else "FAILED", f"(screenshots in {ARTIFACTS.relative_to(ROOT)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
