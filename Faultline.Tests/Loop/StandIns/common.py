# Shared helpers of the stand-in bd/gt executables used by Faultline's loop tests.
# Protocol (GASTOWN.md §11): every call appends one JSON line to $FAKE_LOG with argv, cwd, the
# environment variables the contract cares about and stdin; state lives in $FAKE_STATE, one JSON
# file per bead. A tool fails a subcommand when FAKE_<TOOL>_FAIL names it or when the control file
# $FAKE_STATE/fail-<tool>-<subcommand> exists (its content, if any, becomes the error text).
import datetime
import json
import os
import sys

ENV_KEYS = ["BEADS_DIR", "BEADS_DB", "BD_DB", "BEADS_ACTOR", "BD_JSON_ENVELOPE", "GT_TOWN_ROOT", "GT_ROLE"]


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def state_dir():
    d = os.environ["FAKE_STATE"]
    os.makedirs(d, exist_ok=True)
    return d


def bead_path(bead_id):
    return os.path.join(state_dir(), bead_id + ".json")


def load_bead(bead_id):
    p = bead_path(bead_id)
    if not os.path.isfile(p):
        return None
    with open(p) as f:
        return json.load(f)


def save_bead(bead):
    with open(bead_path(bead["id"]), "w") as f:
        json.dump(bead, f)


def flag(argv, name):
    prefix = "--" + name + "="
    for a in argv:
        if a.startswith(prefix):
            return a[len(prefix):]
    return None


def log_call(tool, argv, stdin):
    entry = {"tool": tool, "argv": argv, "cwd": os.getcwd(), "stdin": stdin,
             "env": {k: os.environ.get(k) for k in ENV_KEYS}}
    with open(os.environ["FAKE_LOG"], "a") as f:
        f.write(json.dumps(entry) + "\n")


def should_fail(tool, sub):
    if os.environ.get("FAKE_%s_FAIL" % tool.upper()) == sub:
        return "simulated failure"
    control = os.path.join(state_dir(), "fail-%s-%s" % (tool, sub))
    if os.path.exists(control):
        with open(control) as f:
            return f.read().strip() or "simulated failure"
    return None


def read_stdin_if(wanted):
    return sys.stdin.read() if wanted else ""
