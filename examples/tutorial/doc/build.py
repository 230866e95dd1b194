#!/usr/bin/env python3
"""Writes examples/tutorial/README.md from doc/tutorial.tmpl.md: code quoted from the step
files as they are, and each step's commands (doc/commands/N.sh) run against that step's
back-end, with their real output. Run from the repository's root after `cargo build -p
tutorial`; tests/it/steps.rs asserts the same answers, and tests/it/text.rs that the quoted
code is the code."""

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRATE = HERE.parent
ROOT = CRATE.parent.parent
BINARY = ROOT / "target" / "debug" / "tutorial"


def item(path, name):
    """The item `name` (fn, struct or mod) of `path`, with its doc comments and attributes."""
    lines = (CRATE / path).read_text().splitlines()
    start = next(
        i for i, line in enumerate(lines)
        if re.match(rf"^(pub(\(crate\))? )?(async )?(fn|struct|mod) {name}\b", line)
    )
    while start > 0 and re.match(r"^(///|#\[)", lines[start - 1]):
        start -= 1
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return "\n".join(lines[start : end + 1])


def outputs(step):
    """The step's commands and their output, run in a fresh directory."""
    commands = (HERE / "commands" / f"{step}.sh").read_text().splitlines()
    work = tempfile.mkdtemp(prefix="tutorial-")
    env = dict(os.environ)
    env.update(
        WARDEN_SECRET="s3cr3t-of-32-characters-or-more",
        WARDEN_BOOTSTRAP__LOGIN="calvin",
        WARDEN_BOOTSTRAP__PASSWORD="hobbes-the-tiger",
    )
    if step == 9:
        env.update(WARDEN_MODE="production", WARDEN_SECRET="Zk3v9Qm2Lx8Rt4Wp7Nc1Hb6Yd5Fg0Js2Ua")
    server = subprocess.Popen(
        [str(BINARY), str(step)], cwd=work, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    server.stdout.readline()  # listening on ...
    text = []
    for command in commands:
        run = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True)
        if command.startswith("TOKEN="):
            text.append(f"$ {command}")
            env["TOKEN"] = subprocess.run(
                ["bash", "-c", command + '; printf %s "$TOKEN"'], cwd=work, env=env,
                capture_output=True, text=True,
            ).stdout
            continue
        shown = run.stdout.rstrip("\n")
        text.append(f"$ {command}\n{shown}" if shown else f"$ {command}")
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=10)
    return "\n".join(text)


def main():
    template = (HERE / "tutorial.tmpl.md").read_text()

    def fill(match):
        target = match.group(1)
        if target.startswith("out:"):
            return outputs(int(target[4:]))
        if "#" in target:
            path, name = target.split("#")
            return item(path, name)
        return (CRATE / target).read_text().rstrip("\n")

    text = re.sub(r"<<([^>]+)>>", fill, template)
    header = "<!-- Written by doc/build.py from doc/tutorial.tmpl.md: edit those, not this. -->\n"
    (CRATE / "README.md").write_text(header + text)


if __name__ == "__main__":
    main()
