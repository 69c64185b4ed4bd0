"""docs/ci.md's GitHub Actions and GitLab CI recipes, run as written on the fixture catalogue:
the shard jobs, the merge and the renders. A recipe that rots fails here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixture_sites.server import FixtureServer

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
CI_DOC = REPO / "docs" / "ci.md"
START = "https://shop.test/shop-correct/landing"
CRAWL = 5  # pages the test crawl takes (the recipes' own --crawl is replaced: see _commands)
INSTALLS = ("pip install", "pipx install", "playwright install")


def recipe(name: str) -> dict[str, Any]:
    """The YAML block that follows ``<!-- recipe: NAME -->`` in docs/ci.md."""
    text = CI_DOC.read_text()
    found = re.search(rf"<!-- recipe: {name} -->\s*```yaml\n(.*?)```", text, re.DOTALL)
    assert found, f"docs/ci.md has no '{name}' recipe block"
    loaded = yaml.safe_load(found[1])
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def runner_env(sites: FixtureServer, tmp_path: Path) -> dict[str, str]:
    """What the CI runner's environment holds for the recipe: our CLI on PATH, the site URL,
    and the audit arguments that reach the fixture sites on loopback."""
    maps = " ".join(f"--map {host}={addr}" for host, addr in sites.host_map().items())
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["SITE_URL"] = START
    env["AUDIT_ARGS"] = f"{maps} --trust-spki {sites.spki} --offline --script emulated"
    return env


def _commands(script: str) -> str:
    """A job's shell commands with the crawl size made small enough for a test; nothing else
    of the recipe is changed."""
    lines = [ln for ln in script.splitlines() if ln.strip() and not any(i in ln for i in INSTALLS)]
    return "\n".join(re.sub(r"--crawl \d+", f"--crawl {CRAWL}", ln) for ln in lines)


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub runs `run:` with `bash -e {0}`; GitLab runs each script line and stops on failure.
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _github_expr(text: str, values: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        key = match[1].strip()
        assert key in values, f"recipe uses ${{{{ {key} }}}}, which the test does not know"
        return values[key]

    return re.sub(r"\$\{\{(.*?)\}\}", sub, text)


def _check_outputs(folder: Path, merged_rc: int, single: dict[str, Any]) -> None:
    merged = json.loads((folder / "audit.json").read_text())
    indexes = sorted(p["index"] for p in merged["pages"])
    assert indexes == sorted(p["index"] for p in single["pages"])
    assert len(indexes) == len(set(indexes))
    assert merged_rc == single["exit_code"]
    sarif = json.loads((folder / "audit.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    suite = ET.parse(folder / "audit.xml").getroot()
    assert suite.tag in ("testsuites", "testsuite")
    assert (folder / "audit.html").read_text().lstrip().lower().startswith("<!doctype html")


@pytest.fixture(scope="module")
def single_audit(sites: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same crawl, unsharded: what the merged shards must equal."""
    out = tmp_path_factory.mktemp("single") / "single.json"
    maps = [arg for host, addr in sites.host_map().items() for arg in ("--map", f"{host}={addr}")]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli.main",
            "audit",
            START,
            *maps,
            "--trust-spki",
            sites.spki,
            "--offline",
            "--script",
            "emulated",
            "--crawl",
            str(CRAWL),
            "--format",
            "json",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # shop-correct: no error finding on any page
    report: dict[str, Any] = json.loads(out.read_text())
    report["exit_code"] = done.returncode
    return report


def test_github_actions_recipe(
    runner_env: dict[str, str], tmp_path: Path, single_audit: dict[str, Any]
) -> None:
    workflow = recipe("github")
    env = {**runner_env, **{k: str(v) for k, v in workflow["env"].items()}}
    env["SITE_URL"], env["AUDIT_ARGS"] = runner_env["SITE_URL"], runner_env["AUDIT_ARGS"]
    audit_job = workflow["jobs"]["audit"]
    shards = audit_job["strategy"]["matrix"]["shard"]
    assert [str(s) for s in shards] == [str(i) for i in range(1, int(env["SHARDS"]) + 1)]
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    for shard in shards:
        work = tmp_path / f"shard-{shard}"
        work.mkdir()
        values = {"matrix.shard": str(shard)}
        for step in audit_job["steps"]:
            if "run" not in step:
                continue
            step_env = {k: _github_expr(str(v), values) for k, v in step.get("env", {}).items()}
            done = _bash(_commands(_github_expr(step["run"], values)), work, {**env, **step_env})
            assert done.returncode == 0, f"shard {shard} step {step.get('name')}: {done.stderr}"
        for part in work.glob("part-*.json"):  # actions/upload-artifact + download-artifact
            shutil.copy(part, artifacts / part.name)
    assert len(list(artifacts.glob("part-*.json"))) == len(shards)
    output = tmp_path / "github_output"
    env["GITHUB_OUTPUT"] = str(output)
    report_job = workflow["jobs"]["report"]
    for step in report_job["steps"]:
        if "run" not in step:
            continue
        if step.get("name") == "gate":
            rc = int(output.read_text().strip().removeprefix("rc="))
            values = {"steps.merge.outputs.rc": str(rc)}
            gate = _bash(_github_expr(step["run"], values), artifacts, env)
            assert gate.returncode == single_audit["exit_code"]
            continue
        done = _bash(_commands(step["run"]), artifacts, env)
        assert done.returncode == 0, f"report step {step.get('name')}: {done.stderr}"
    _check_outputs(artifacts, rc, single_audit)


def test_gitlab_ci_recipe(
    runner_env: dict[str, str], tmp_path: Path, single_audit: dict[str, Any]
) -> None:
    pipeline = recipe("gitlab")
    env = {**runner_env}
    audit_job = pipeline["spotify-pixel-audit"]
    total = int(audit_job["parallel"])
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    for index in range(1, total + 1):
        work = tmp_path / f"node-{index}"
        work.mkdir()
        node_env = {**env, "CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(total)}
        done = _bash(_commands("\n".join(audit_job["script"])), work, node_env)
        assert done.returncode == 0, f"node {index}: {done.stderr}"
        for part in work.glob("part-*.json"):  # artifacts:paths, passed to the next stage
            shutil.copy(part, artifacts / part.name)
    assert len(list(artifacts.glob("part-*.json"))) == total
    report_job = pipeline["spotify-pixel-report"]
    done = _bash(_commands("\n".join(report_job["script"])), artifacts, env)
    assert done.returncode == single_audit["exit_code"], done.stderr
    _check_outputs(artifacts, done.returncode, single_audit)
    assert report_job["artifacts"]["reports"]["junit"] == "audit.xml"
