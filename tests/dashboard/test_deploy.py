"""Acceptance 3: deploy/compose.yaml validates (`docker compose config`, else Debian's docker-compose), the
systemd unit passes `systemd-analyze verify`; and the structure both promise, checked without any tool."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return data


def _compose_tool() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_validates(tmp_path: Path) -> None:
    tool = _compose_tool()
    if tool is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (deploy/system-packages.sh installs it)")
    shutil.copytree(DEPLOY, tmp_path / "deploy")
    for example, real in (("nianbao.env.example", "nianbao.env"), ("postgres.env.example", "postgres.env")):
        shutil.copy(DEPLOY / example, tmp_path / "deploy" / real)  # compose refuses a missing env_file
    shutil.copy(DEPLOY / "nianbao.example.yaml", tmp_path / "deploy" / "nianbao.yaml")
    result = subprocess.run(
        [*tool, "-f", "deploy/compose.yaml", "config"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    print(" ".join(tool), "config:", result.returncode, result.stderr.strip()[:500])
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == {"nianbao", "db"}


def test_compose_structure() -> None:
    compose = _compose()
    services = compose["services"]
    db, app = services["db"], services["nianbao"]
    assert db["image"].startswith("postgres:16")
    volume, _, mount = db["volumes"][0].partition(":")
    assert volume in compose["volumes"] and mount == "/var/lib/postgresql/data"  # a named volume
    assert any(v.split(":")[0] in compose["volumes"] for v in app["volumes"])
    for service in (db, app):
        check = service["healthcheck"]
        assert check["test"] and check["interval"] and check["retries"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "/healthz" in " ".join(app["healthcheck"]["test"])
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["env_file"] == ["nianbao.env"] and db["env_file"] == ["postgres.env"]
    assert "NIANBAO_DATABASE_URL" in (DEPLOY / "nianbao.env.example").read_text(encoding="utf-8")
    assert all(port.startswith("127.0.0.1:") for port in app["ports"])  # the dashboard is not exposed to the network
    assert (DEPLOY / app["build"]["context"] / app["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert re.fullmatch(r"\d+m", app["stop_grace_period"]) and int(app["stop_grace_period"][:-1]) >= 15


def _packages_of_system_script() -> set[str]:
    text = (DEPLOY / "system-packages.sh").read_text(encoding="utf-8")
    block = text.split("PACKAGES=(", 1)[1].split(")", 1)[0]
    return {line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()}


def test_dockerfile() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    installed = set(re.findall(r"^\s+([a-z0-9][a-z0-9.+-]+)\s*\\?$", text.split("apt-get install", 1)[1].split("&&", 1)[0], re.M))
    assert {"libreoffice-writer-nogui", "fonts-noto-cjk"} <= installed <= _packages_of_system_script()
    assert 'ENTRYPOINT ["nianbao"]' in text and 'CMD ["serve"]' in text
    assert "/healthz" in text
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "deploy/*.env"} <= set(ignored)


def _unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "nianbao.service").read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_systemd_unit_structure() -> None:
    unit = _unit()
    assert unit["User"] == ["nianbao"] and unit["WorkingDirectory"] == ["/var/lib/nianbao"]
    assert unit["EnvironmentFile"] == ["/etc/nianbao/nianbao.env"]
    assert unit["Restart"] == ["on-failure"] and unit["KillSignal"] == ["SIGTERM"]
    assert re.fullmatch(r"\d+min", unit["TimeoutStopSec"][0]) and int(unit["TimeoutStopSec"][0][:-3]) >= 15
    assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"]
    assert unit["ExecStart"][0].endswith("nianbao serve")


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd; deploy/system-packages.sh installs it)")
    units = next(
        (p for p in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")) if (p / "sysinit.target").exists()), None
    )
    if units is None:
        pytest.skip("systemd's own units (sysinit.target …) are not on this machine: systemd-analyze cannot resolve dependencies")
    # An image root: systemd's units, the unit under test, and a stand-in for the installed nianbao command.
    root = tmp_path / "root"
    shutil.copytree(units, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(DEPLOY / "nianbao.service", root / "etc/systemd/system/nianbao.service")
    for command in {_unit()[key][0].split()[0] for key in ("ExecStart", "ExecStartPre")}:
        stand_in = root / command.lstrip("/")
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\nexit 0\n")
        stand_in.chmod(0o755)
    result = subprocess.run([tool, "verify", f"--root={root}", "nianbao.service"], capture_output=True, text=True, check=False)
    print("systemd-analyze verify:", result.returncode, (result.stdout + result.stderr).strip()[:800])
    if result.returncode != 0 and "Failed to" in result.stderr and "nianbao.service" not in result.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()[:200]}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == result.stderr.strip() == ""  # warnings (unknown keys, bad values) count as failures


def test_example_configuration_is_valid_with_its_dashboard() -> None:
    config = load_config(DEPLOY / "nianbao.example.yaml")
    assert config.dashboard.users and config.dashboard.users[0].password_hash.startswith("scrypt$")
    assert config.dashboard.secret_env == "NIANBAO_SECRET"


def test_the_package_ships_the_dashboard_and_the_migrations() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(project["tool"]["setuptools"]["packages"])
    on_disk = {
        str(p.parent.relative_to(ROOT)).replace("/", ".")
        for p in (ROOT / "monitor").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk <= packages, f"not packaged: {sorted(on_disk - packages)}"
    data = project["tool"]["setuptools"]["package-data"]
    for package, patterns in (("monitor.dashboard", ["templates", "static"]), ("monitor.store.migrations", ["script.py.mako"])):
        folder = ROOT / package.replace(".", "/")
        files = {p for p in folder.rglob("*") if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts}
        covered = {p for pattern in data[package] for p in folder.glob(pattern)}
        assert files and files <= covered, f"{package}: not packaged {sorted(str(f) for f in files - covered)}"
        assert all(any(pattern.startswith(want) for pattern in data[package]) for want in patterns)
