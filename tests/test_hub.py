"""JupyterHub for a class (deploy/jupyterhub_config.py, ``make hub``), on loopback.

One test walks through a lesson: the teacher makes the course and releases
chapter 1 to nbgrader's exchange; the hub starts (the config as
``make hub`` uses it, with fixed passwords and free loopback ports); two
students log in through the hub's REST API, their servers start, each opens
chapter 1 from a folder of their own and sees the course's kernel; both see
the released assignment, alice fetches and submits it and the teacher
collects it; the servers and the hub stop cleanly. Every wait is bounded;
nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_classroom as mc  # noqa: E402

CHAPTER = ROOT / "chapters" / "01_sequences.ipynb"
PASSWORD = "class-password-for-tests"
ADMIN_PASSWORD = "teacher-password-for-tests-0123456789"
STUDENTS = ("alice", "bob")

requests = pytest.importorskip("requests")
pytestmark = pytest.mark.skipif(
    not (ROOT / "node_modules" / ".bin" / "configurable-http-proxy").exists(),
    reason="configurable-http-proxy is not installed: run `npm ci` (make setup)")


def _free_ports(n):
    """A base port p with p, p + 1, ..., p + n - 1 free on 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n >= 65535:
            continue
        try:
            socks = []
            for p in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free block of ports")


def _wait(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except requests.ConnectionError:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def lesson(tmp_path):
    """A course with chapter 1 released to the exchange, and a running hub."""
    course, exchange, state = tmp_path / "course", tmp_path / "exchange", tmp_path / "hub"
    env = {**os.environ, "NBGRADER_EXCHANGE": str(exchange),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    os.environ["NBGRADER_EXCHANGE"] = str(exchange)
    try:
        assert mc.main(["--course", str(course), str(CHAPTER)]) == 0
    finally:
        del os.environ["NBGRADER_EXCHANGE"]
    subprocess.run([sys.executable, "-m", "nbgrader", "release_assignment", "ch01",
                    "--log-level=ERROR"], cwd=course, env=env, check=True, timeout=120)
    port = _free_ports(3)
    env.update(HUB_PORT=str(port), HUB_STATE=str(state), HUB_COURSE=str(course),
               HUB_PASSWORD=PASSWORD, HUB_ADMIN_PASSWORD=ADMIN_PASSWORD,
               HUB_USERS=",".join(STUDENTS))
    log = open(tmp_path / "hub.log", "w")
    hub = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(ROOT / "deploy" / "jupyterhub_config.py")],
                           cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait("the hub", lambda: hub.poll() is None and requests.get(
            f"{base}/hub/api", timeout=5).ok or hub.poll() is not None, 90)
        assert hub.poll() is None, (tmp_path / "hub.log").read_text()[-3000:]
        yield {"base": base, "port": port, "course": course, "exchange": exchange,
               "state": state, "env": env, "hub": hub, "log": tmp_path / "hub.log"}
    finally:
        if hub.poll() is None:  # the test failed before stopping it
            os.killpg(hub.pid, signal.SIGTERM)
            try:
                hub.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(hub.pid, signal.SIGKILL)
        log.close()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_lesson_on_the_hub(lesson):
    base, hub = lesson["base"], lesson["hub"]
    title = json.loads(CHAPTER.read_text())["cells"][0]["source"][0].strip()
    # log in through the REST API: a token for each student's password
    tokens = {}
    for name in STUDENTS:
        r = requests.post(f"{base}/hub/api/users/{name}/tokens", timeout=30,
                          json={"auth": {"username": name, "password": PASSWORD},
                                "note": "test_hub", "expires_in": 600})
        assert r.status_code in (200, 201), r.text
        tokens[name] = {"Authorization": f"token {r.json()['token']}"}
    r = requests.post(f"{base}/hub/api/users/alice/tokens", timeout=30,
                      json={"auth": {"username": "alice", "password": "wrong password"}})
    assert r.status_code == 403
    # start both servers
    for name in STUDENTS:
        r = requests.post(f"{base}/hub/api/users/{name}/server", headers=tokens[name], timeout=60)
        assert r.status_code in (201, 202), r.text
    for name in STUDENTS:
        _wait(f"{name}'s server", lambda: requests.get(
            f"{base}/hub/api/users/{name}", headers=tokens[name], timeout=10
        ).json().get("servers", {}).get("", {}).get("ready"), 180)
    for name in STUDENTS:
        user = f"{base}/user/{name}"
        # chapter 1 from their own folder, through the server's contents API
        r = requests.get(f"{user}/api/contents/chapters/01_sequences.ipynb",
                         headers=tokens[name], timeout=60)
        assert r.status_code == 200, r.text[:500]
        nb = r.json()
        assert nb["type"] == "notebook"
        assert nb["content"]["cells"][0]["source"].splitlines()[0].strip() == title
        assert (lesson["state"] / "home" / name / "chapters" / CHAPTER.name).exists()
        # it is the JupyterLab edition (make lab's): numbers as {eval}, no glue roles
        prose = "".join(c["source"] for c in nb["content"]["cells"] if c["cell_type"] == "markdown")
        assert "{eval}" in prose and "{glue" not in prose and "{numref}" not in prose
        # and the server runs with the edition's settings: no notebook windowing
        r = requests.get(f"{user}/lab/api/settings/@jupyterlab/notebook-extension:tracker",
                         headers=tokens[name], timeout=60)
        assert r.status_code == 200, r.text[:500]
        # (an override becomes the schema's default; the user has set nothing)
        tracker = r.json()
        mode = tracker["settings"].get("windowingMode",
                                       tracker["schema"]["properties"]["windowingMode"]["default"])
        assert mode == "none", tracker["schema"]["properties"]["windowingMode"]
        # the course's kernel (the project's .venv) and nbgrader's extension
        specs = requests.get(f"{user}/api/kernelspecs", headers=tokens[name], timeout=30).json()
        assert "rnn-course" in specs["kernelspecs"]["python3"]["spec"]["display_name"]
        r = requests.get(f"{user}/assignments", params={"course_id": mc.COURSE_ID},
                         headers=tokens[name], timeout=60)
        assert r.status_code == 200, r.text[:500]
        listing = r.json()
        assert listing["success"], listing
        assert [(a["assignment_id"], a["status"]) for a in listing["value"]] == [("ch01", "released")]
    # a student cannot open another one's server
    r = requests.get(f"{base}/user/bob/api/contents", headers=tokens["alice"], timeout=30,
                     allow_redirects=False)
    assert r.status_code in (302, 403), r.status_code
    # alice fetches and submits; the teacher collects
    args = {"course_id": mc.COURSE_ID, "assignment_id": "ch01"}
    for action in ("fetch", "submit"):
        r = requests.post(f"{base}/user/alice/assignments/{action}", data=args,
                          headers=tokens["alice"], timeout=120)
        assert r.status_code == 200 and r.json()["success"], r.text[:1000]
    assert (lesson["state"] / "home" / "alice" / "ch01" / "ch01.ipynb").exists()
    subprocess.run([sys.executable, "-m", "nbgrader", "collect", "ch01", "--log-level=ERROR"],
                   cwd=lesson["course"], env=lesson["env"], check=True, timeout=120)
    assert (lesson["course"] / "submitted" / "alice" / "ch01" / "ch01.ipynb").exists()
    # stop the servers, then the hub
    for name in STUDENTS:
        r = requests.delete(f"{base}/hub/api/users/{name}/server", headers=tokens[name], timeout=60)
        assert r.status_code in (202, 204), r.text
    for name in STUDENTS:
        _wait(f"{name}'s server to stop", lambda: not requests.get(
            f"{base}/hub/api/users/{name}", headers=tokens[name], timeout=10
        ).json().get("servers"), 60)
    os.killpg(hub.pid, signal.SIGTERM)
    assert hub.wait(60) == 0, lesson["log"].read_text()[-3000:]
    for port in (lesson["port"], lesson["port"] + 1, lesson["port"] + 2):
        assert not _listening(port), f"port {port} still open after the hub stopped"
