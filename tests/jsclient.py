"""Drive the official JavaScript socket.io-client (tests/js) from the Python tests.

`run_scenario` feeds a scenario to ``node tests/js/scenario.mjs`` and returns its JSON
result; tests/js/scenario.mjs documents the scenario and the result. The Node client is
required, never skipped: without it `run_scenario` raises.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).parent / "js"
SCENARIO_SCRIPT = NODE_DIR / "scenario.mjs"
NPM_CI_TIMEOUT = 300


def _node() -> str | None:
    return shutil.which("node")


def node_client_available() -> bool:
    """True when `node` is on PATH and tests/js/node_modules has socket.io-client."""
    return _node() is not None and (NODE_DIR / "node_modules" / "socket.io-client").is_dir()


def ensure_node_client() -> None:
    """Install tests/js's locked packages (`npm ci`) when node is there and they are not."""
    if _node() is None or (NODE_DIR / "node_modules").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("node is on PATH but npm is not: cannot install tests/js")
    completed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=NPM_CI_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"`npm ci` in {NODE_DIR} failed ({completed.returncode}):\n"
            f"{completed.stdout}\n{completed.stderr}"
        )


# The timeout bounds the child process, which is killed when it runs out.
async def run_scenario(
    scenario: dict[str, Any],
    timeout: float = 30,
) -> dict[str, Any]:
    """Run a scenario with the Node client and return its parsed JSON result.

    Raises RuntimeError when the client is not installed, when scenario.mjs exits non-zero
    (an invalid scenario or a harness bug) or prints no JSON object; TimeoutError after
    `timeout` seconds, once the process is killed.
    """
    node = _node()
    if node is None or not node_client_available():
        raise RuntimeError(
            "the Node socket.io-client is not installed: install Node.js and run "
            f"`npm ci` in {NODE_DIR}"
        )
    proc = await asyncio.create_subprocess_exec(
        node,
        str(SCENARIO_SCRIPT),
        cwd=NODE_DIR,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(
            proc.communicate(json.dumps(scenario).encode()), timeout
        )
    except TimeoutError:
        proc.kill()
        _, stderr = await proc.communicate()
        raise TimeoutError(
            f"scenario.mjs did not finish within {timeout} s; stderr:\n"
            f"{stderr.decode(errors='replace')}"
        ) from None
    err_text = stderr.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"scenario.mjs exited with {proc.returncode}; stderr:\n{err_text}")
    try:
        result = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(
            f"scenario.mjs printed invalid JSON ({exc}):\n"
            f"{stdout.decode(errors='replace')}\nstderr:\n{err_text}"
        ) from exc
    if not isinstance(result, dict):
        raise RuntimeError(f"scenario.mjs printed a non-object: {result!r}")
    return result
