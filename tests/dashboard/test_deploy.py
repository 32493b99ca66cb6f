"""Acceptance 3: deploy/compose.yaml validates (`docker compose config`, else Debian's docker-compose), the
systemd unit passes `systemd-analyze verify`; and the structure both promise, checked without any tool.

The workers' files too (issue 15): deploy/compose.workers.yaml over compose.yaml, the template
deploy/nianbao-worker@.service and its env files, whose commands must be `nianbao worker` invocations the CLI's own
parser accepts, and the example deployment deploy/nianbao.deployment.example.yaml."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.cli import build_parser
from monitor.config import load_config, load_deployment
from monitor.store.queue import QUEUES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _compose(name: str = "compose.yaml") -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))
    return data


def _compose_tool() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def _compose_config(tmp_path: Path, *files: str) -> dict[str, Any]:
    """`docker compose -f FILE … config` of a copy of deploy/ with the env files and configuration in place."""
    tool = _compose_tool()
    if tool is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (deploy/system-packages.sh installs it)")
    shutil.copytree(DEPLOY, tmp_path / "deploy")
    for example, real in (("nianbao.env.example", "nianbao.env"), ("postgres.env.example", "postgres.env")):
        shutil.copy(DEPLOY / example, tmp_path / "deploy" / real)  # compose refuses a missing env_file
    shutil.copy(DEPLOY / "nianbao.example.yaml", tmp_path / "deploy" / "nianbao.yaml")
    options = [part for file in files for part in ("-f", f"deploy/{file}")]
    result = subprocess.run([*tool, *options, "config"], cwd=tmp_path, capture_output=True, text=True, check=False)
    print(" ".join(tool), *options, "config:", result.returncode, result.stderr.strip()[:500])
    assert result.returncode == 0, result.stderr
    resolved: dict[str, Any] = yaml.safe_load(result.stdout)
    return resolved


def test_compose_file_validates(tmp_path: Path) -> None:
    resolved = _compose_config(tmp_path, "compose.yaml")
    assert set(resolved["services"]) == {"nianbao", "db"}


def test_compose_workers_file_validates_over_the_single_county_file(tmp_path: Path) -> None:
    resolved = _compose_config(tmp_path, "compose.yaml", "compose.workers.yaml")
    services = resolved["services"]
    assert set(services) == {"nianbao", "db", "worker", "worker-ocr"}
    # The override adds the county files to the scheduler's mounts; it keeps the configuration and the data volume.
    mounts = {
        volume if isinstance(volume, str) else f"{volume['source']}:{volume['target']}"
        for volume in services["nianbao"]["volumes"]
    }
    targets = {mount.split(":")[1] for mount in mounts}
    assert {"/etc/nianbao/counties", "/etc/nianbao/nianbao.yaml", "/var/lib/nianbao"} <= targets
    for name in ("worker", "worker-ocr"):
        assert services[name]["command"][0] == "worker"


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


def _worker_args(command: list[str]) -> Any:
    """What the CLI makes of a worker's command (argparse exits 2 on anything `nianbao worker` does not accept)."""
    args = build_parser().parse_args(command)
    assert args.command == "worker", command
    return args


def test_compose_workers_structure() -> None:
    base, workers = _compose(), _compose("compose.workers.yaml")
    app = base["services"]["nianbao"]
    services = workers["services"]
    assert set(services) == {"nianbao", "worker", "worker-ocr"}
    assert services["nianbao"]["volumes"] == ["./counties:/etc/nianbao/counties:ro"]  # the override only adds the counties
    taken: set[str] = set()
    for name in ("worker", "worker-ocr"):
        worker = services[name]
        assert worker["image"] == app["image"] and worker["build"] == app["build"]  # the same image, built the same way
        assert worker["env_file"] == app["env_file"] == ["nianbao.env"]
        assert worker["environment"]["NIANBAO_CONFIG"] == app["environment"]["NIANBAO_CONFIG"]
        assert set(app["volumes"]) <= set(worker["volumes"])  # the configuration and the data volume (blobs)
        assert "./counties:/etc/nianbao/counties:ro" in worker["volumes"]
        assert worker["depends_on"]["db"]["condition"] == "service_healthy"
        assert worker["depends_on"]["nianbao"]["condition"] == "service_healthy"  # it has migrated the schemas
        assert "ports" not in worker and "container_name" not in worker  # scalable: --scale worker=N
        assert worker["healthcheck"] == {"disable": True}  # the image's check asks the dashboard, which workers lack
        assert worker["stop_signal"] == "SIGTERM" and int(worker["stop_grace_period"][:-1]) >= 15
        assert worker["restart"] == "unless-stopped"
        args = _worker_args(worker["command"])
        taken |= set(args.queues)
    general, ocr = _worker_args(services["worker"]["command"]), _worker_args(services["worker-ocr"]["command"])
    assert "ocr" not in general.queues and general.concurrency >= 1
    assert ocr.queues == ["ocr"] and ocr.concurrency == 1
    assert taken == set(QUEUES)  # every queue has a worker
    assert services["worker"]["deploy"]["replicas"] >= 1


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


def _unit(name: str = "nianbao.service") -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
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


def _verify_units(tmp_path: Path, units: dict[str, str], names: list[str]) -> None:
    """`systemd-analyze verify` of ``names`` in an image root holding systemd's units, the files ``units`` (installed
    name → file of deploy/) and a stand-in for every command they run."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd; deploy/system-packages.sh installs it)")
    system = next(
        (p for p in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")) if (p / "sysinit.target").exists()), None
    )
    if system is None:
        pytest.skip("systemd's own units (sysinit.target …) are not on this machine: systemd-analyze cannot resolve dependencies")
    # An image root: systemd's units, the units under test, and a stand-in for the installed nianbao command.
    root = tmp_path / "root"
    shutil.copytree(system, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for installed, file in units.items():
        shutil.copy(DEPLOY / file, root / "etc/systemd/system" / installed)
        for command in {_unit(file)[key][0].split()[0] for key in ("ExecStart", "ExecStartPre")}:
            stand_in = root / command.lstrip("/")
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_text("#!/bin/sh\nexit 0\n")
            stand_in.chmod(0o755)
    result = subprocess.run([tool, "verify", f"--root={root}", *names], capture_output=True, text=True, check=False)
    print("systemd-analyze verify:", result.returncode, (result.stdout + result.stderr).strip()[:800])
    if result.returncode != 0 and "Failed to" in result.stderr and not any(n.split("@")[0] in result.stderr for n in names):
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()[:200]}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == result.stderr.strip() == ""  # warnings (unknown keys, bad values) count as failures


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    _verify_units(tmp_path, {"nianbao.service": "nianbao.service"}, ["nianbao.service"])


WORKER_UNIT = "nianbao-worker@.service"


def test_systemd_worker_template_verifies(tmp_path: Path) -> None:
    units = {"nianbao.service": "nianbao.service", WORKER_UNIT: WORKER_UNIT}
    _verify_units(tmp_path, units, ["nianbao-worker@1.service", "nianbao-worker@ocr.service"])


#: Keys of deploy/nianbao.service the worker template must repeat as they are: user, places, stop, hardening.
SHARED_UNIT_KEYS = (
    "Type", "User", "Group", "WorkingDirectory", "Environment", "Restart", "RestartSec", "KillSignal", "KillMode",
    "TimeoutStopSec", "StateDirectory", "StateDirectoryMode", "UMask", "NoNewPrivileges", "ProtectSystem", "ProtectHome",
    "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
    "ProtectControlGroups", "ProtectClock", "ProtectHostname", "RestrictNamespaces", "RestrictRealtime",
    "RestrictSUIDSGID", "LockPersonality", "RestrictAddressFamilies", "SystemCallArchitectures", "CapabilityBoundingSet",
    "WantedBy",
)  # fmt: skip


def _instance_command(line: str, instance: str) -> list[str]:
    """An ExecStart line's arguments after the program, with systemd's specifiers of an instance expanded."""
    expanded = line.replace("%i", instance).replace("%H", "host").replace("%%", "%")
    assert "%" not in expanded, f"a specifier this test does not expand: {line}"
    program, *args = expanded.split()
    assert program == "/opt/nianbao/venv/bin/nianbao"
    return args


def test_systemd_worker_template_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    service, worker = _unit(), _unit(WORKER_UNIT)
    for key in SHARED_UNIT_KEYS:
        assert worker.get(key) == service.get(key), f"{WORKER_UNIT}: {key} differs from nianbao.service"
    assert worker["EnvironmentFile"] == [
        "/etc/nianbao/nianbao.env", "-/etc/nianbao/worker.env", "-/etc/nianbao/worker-%i.env",
    ]  # fmt: skip
    assert worker["ExecStartPre"] == service["ExecStartPre"]
    for instance in ("1", "ocr"):
        args = _worker_args(_instance_command(worker["ExecStart"][0], instance))
        assert args.name == f"host-{instance}"
    # Without env files: every queue, 4 at a time; the env files' variables are the CLI's defaults.
    monkeypatch.delenv("NIANBAO_WORKER_QUEUES", raising=False)
    monkeypatch.delenv("NIANBAO_WORKER_CONCURRENCY", raising=False)
    plain = _worker_args(_instance_command(worker["ExecStart"][0], "1"))
    assert plain.queues == list(QUEUES) and plain.concurrency == 4


def _env_file(name: str) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines()]
    return {key: value for key, value in (pair for pair in pairs if len(pair) == 2) if not key.startswith("#")}


@pytest.mark.parametrize(
    ("file", "queues", "concurrency"),
    [("worker.env.example", ["crawl", "check", "notify"], 4), ("worker-ocr.env.example", ["ocr"], 1)],
)
def test_worker_env_files_are_what_the_cli_reads(
    monkeypatch: pytest.MonkeyPatch, file: str, queues: list[str], concurrency: int
) -> None:
    values = _env_file(file)
    assert set(values) == {"NIANBAO_WORKER_QUEUES", "NIANBAO_WORKER_CONCURRENCY"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    args = _worker_args(_instance_command(_unit(WORKER_UNIT)["ExecStart"][0], "ocr"))
    assert args.queues == queues and args.concurrency == concurrency


def test_example_deployment_is_valid() -> None:
    deployment = load_deployment(DEPLOY / "nianbao.deployment.example.yaml")
    assert deployment.tasks.engine == "procrastinate"
    assert deployment.database is None  # the URL and its password come from NIANBAO_DATABASE_URL (nianbao.env)
    assert len(deployment.counties) >= 2
    assert all(Path(c.config_file) == DEPLOY / "counties" / f"{c.id}.yaml" for c in deployment.counties)
    users = deployment.dashboard.users
    assert any(u.county is None for u in users), "a supervisor (no county) sees every county"
    assert {u.county for u in users if u.county is not None} == {c.id for c in deployment.counties}
    assert all(u.password_hash.startswith("scrypt$") for u in users)
    assert deployment.dashboard.secret_env == "NIANBAO_SECRET"


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
