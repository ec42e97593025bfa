"""JupyterHub for a class on one machine: ``make hub`` (see deploy/README.md).

Every student logs in with the class password and gets a JupyterLab server
of their own, started from the project's ``.venv`` (the course package, its
kernel and nbgrader with its Assignments panel), in a folder of their own
with a copy of the chapters in their JupyterLab edition (``make lab``'s:
rendered text, computed numbers, folded solutions). nbgrader's exchange is
set up, so the teacher releases, collects and returns assignments with
``nbgrader release_assignment`` and friends, and students fetch and submit
them in JupyterLab.

Settings (environment variables; the defaults serve one machine's loopback):

- ``HUB_IP`` (127.0.0.1), ``HUB_PORT`` (8010): where the class connects. The
  proxy's API uses ``HUB_PORT + 1`` and the hub's API ``HUB_PORT + 2``, both on
  127.0.0.1. Set ``HUB_IP=0.0.0.0`` to serve a lab network (behind TLS: see
  the README).
- ``HUB_STATE`` (``classroom/hub``): the hub's database, cookie secret, the
  students' folders (``home/<name>``) and the passwords file.
- ``HUB_PASSWORD``: the class password (8 characters or more); the teachers'
  password ``HUB_ADMIN_PASSWORD`` (32 or more). Missing ones are generated
  once and kept in ``$HUB_STATE/passwords.txt``.
- ``HUB_TEACHERS`` (``teacher``): comma-separated admin names; their nbgrader
  works on the course folder ``HUB_COURSE`` (``classroom``, from
  ``make classroom``) and shows the Formgrader.
- ``HUB_USERS``: if set, only these (comma-separated) names may log in.
- ``NBGRADER_EXCHANGE`` (``$HUB_COURSE/exchange``): nbgrader's exchange.

All servers run as the operating-system user who started the hub, each in
its own folder: right for a class of people who trust each other (a lab
session, a workshop), not a security boundary. README: system accounts and
Kubernetes for more.
"""

import os
import secrets
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the project's .venv/bin (not resolved)
STATE = Path(os.environ.get("HUB_STATE", ROOT / "classroom" / "hub")).resolve()
COURSE = Path(os.environ.get("HUB_COURSE", ROOT / "classroom")).resolve()
EXCHANGE = Path(os.environ.get("NBGRADER_EXCHANGE", COURSE / "exchange")).resolve()
COURSE_ID = "rnn-course"
IP = os.environ.get("HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("HUB_PORT", "8010"))
TEACHERS = {n.strip() for n in os.environ.get("HUB_TEACHERS", "teacher").split(",") if n.strip()}
USERS = {n.strip() for n in os.environ.get("HUB_USERS", "").split(",") if n.strip()}

HOMES = STATE / "home"
for folder in (STATE, HOMES):
    folder.mkdir(parents=True, exist_ok=True)
EXCHANGE.mkdir(parents=True, exist_ok=True)
EXCHANGE.chmod(0o777)  # nbgrader's exchange: every account writes into it


def _passwords():
    """The class and teacher passwords: from the environment or generated once."""
    path = STATE / "passwords.txt"
    stored = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            stored[key.strip()] = value.strip()
    user = os.environ.get("HUB_PASSWORD") or stored.get("HUB_PASSWORD") or secrets.token_urlsafe(9)
    admin = (os.environ.get("HUB_ADMIN_PASSWORD") or stored.get("HUB_ADMIN_PASSWORD")
             or secrets.token_urlsafe(32))
    if not path.exists():
        path.write_text(f"HUB_PASSWORD={user}\nHUB_ADMIN_PASSWORD={admin}\n")
        path.chmod(0o600)
    return user, admin


USER_PASSWORD, ADMIN_PASSWORD = _passwords()

# --- the hub and its proxy, on loopback --------------------------------------
c.JupyterHub.ip = IP
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 2
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.command = [str(ROOT / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every server

# --- who logs in --------------------------------------------------------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = USER_PASSWORD
c.SharedPasswordAuthenticator.admin_password = ADMIN_PASSWORD
c.Authenticator.admin_users = TEACHERS
if USERS:
    c.Authenticator.allowed_users = USERS | TEACHERS
else:
    c.Authenticator.allow_all = True

# --- each user's server: the course's .venv, a folder of their own -----------
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = str(HOMES / "{username}")
c.Spawner.default_url = "/lab"
sys.path.insert(0, str(ROOT / "scripts"))
import lab_edition  # noqa: E402  (scripts/lab_edition.py: make lab's conversion)

# the Lab edition's settings (the environment's overrides, and no notebook
# windowing, so that every Markdown cell renders its computed numbers)
LAB_SETTINGS = lab_edition.write_settings(STATE)
c.Spawner.args = [f"--LabApp.app_settings_dir={LAB_SETTINGS}"]
if os.geteuid() == 0:  # e.g. in a container or CI: Jupyter refuses root otherwise
    c.Spawner.args.append("--allow-root")
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
    "NBGRADER_EXCHANGE": str(EXCHANGE),
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}

NBGRADER_STUDENT = f"""\
c = get_config()
c.CourseDirectory.course_id = {COURSE_ID!r}
c.Exchange.root = {str(EXCHANGE)!r}
"""
# The teacher's nbgrader works on the course folder, linked into their
# folder: the Formgrader wants the course inside the server's root.
NBGRADER_TEACHER = NBGRADER_STUDENT + """\
import os
c.CourseDirectory.root = os.path.join(os.environ["HOME"], "course")
"""


def prepare_home(spawner):
    """Before a server starts: its folder, the chapters, nbgrader's settings."""
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "chapters").exists():  # a copy of their own, kept across logins
        lab_edition.write_edition(home / "chapters", settings=False)  # LAB_SETTINGS serves all
    config = home / ".jupyter"
    config.mkdir(exist_ok=True)
    teacher = spawner.user.name in TEACHERS
    if teacher and not (home / "course").exists():
        (home / "course").symlink_to(COURSE, target_is_directory=True)
    text = NBGRADER_TEACHER if teacher else NBGRADER_STUDENT
    if not teacher:
        # Every server runs as the same system user, so nbgrader must be told
        # whose submission it is (it would take the system user's name).
        text += f"c.CourseDirectory.student_id = {spawner.user.name!r}\n"
    (config / "nbgrader_config.py").write_text(text)


c.Spawner.pre_spawn_hook = prepare_home
