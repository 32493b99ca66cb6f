"""Deployments of several counties for the tests: demo portals on 127.0.0.1, one county file each, a deployment
file naming them, on a database the test gives (PostgreSQL for workers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from crawler.demo_portal import DemoPortal

#: County ids and names of the test deployments, in order.
COUNTIES = {"anxian": "安县", "boxian": "博县"}


def write_deployment(
    folder: Path, database: str, portals: dict[str, DemoPortal], *, hook: str | None = None, engine: str = "procrastinate",
    users: list[dict[str, Any]] | None = None,
) -> Path:  # fmt: skip
    """Write one county file per portal and the deployment file naming them; returns the deployment file."""
    folder.mkdir(parents=True, exist_ok=True)
    counties = []
    for county, portal in portals.items():
        data = portal.config_data(blobs=str(folder / "blobs"))
        data["county"]["name"] = COUNTIES.get(county, county)
        data["portals"][0]["poll_interval"] = "1d"
        if hook is not None:
            data["notifications"] = {"targets": [{"tag": "county", "url": f"{hook}/{county}"}]}
            for body in data["bodies"]:
                body["notify"] = ["county"]
        path = folder / f"{county}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        counties.append({"id": county, "config": path.name})
    deployment: dict[str, Any] = {
        "deployment": {"name": "演示市政务公开办"},
        "storage": {"database": database},
        "counties": counties,
        "tasks": {"engine": engine},
        "dashboard": {"enabled": False, "users": users or []},
    }
    path = folder / "deployment.yaml"
    path.write_text(yaml.safe_dump(deployment, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
