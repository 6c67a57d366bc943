#!/usr/bin/env python3
"""Checks docker-compose.yml without Docker (CI cannot run it here).

Compose v2 refuses a mapping with a key twice, while plain `yaml.safe_load` keeps the last one
silently (so a second `volumes:` once moved podium's secret file outside its volume). This
loads the file with a loader that refuses duplicate keys, then checks what podium's service
must have:
  - PODIUM_PUBLIC_URL, DATABASE_URL and PODIUM_SECRET set;
  - PODIUM_SECRET, when a path, inside a volume mounted into the service (else the secret, and
    every manage link derived from it, is lost with the container);
  - every named volume it mounts declared at the top level;
  - stop_grace_period longer than podium's 30 s drain;
  - PostgreSQL awaited healthy (`depends_on … condition: service_healthy`).

Usage: check_compose.py [FILE]       (default: docker-compose.yml beside the repository root)
       check_compose.py --self-test  (checks that a duplicate key is refused)
Exit status 0 when the file passes, 1 with one line per fault otherwise.
"""
import posixpath
import re
import sys
from pathlib import Path

import yaml


class DuplicateKeyLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings refuse a key given twice, as Compose v2 does."""


def _mapping_without_duplicates(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                f"found duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


DuplicateKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def load(text):
    """The compose document; raises yaml.YAMLError on a duplicate key or bad YAML."""
    return yaml.load(text, Loader=DuplicateKeyLoader)


def seconds(duration):
    """Compose's duration (`45s`, `1m30s`, `1h`) in seconds; None when it does not parse."""
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", str(duration).strip())
    if not parts or not any(parts.groups()):
        return None
    h, m, s = (int(g or 0) for g in parts.groups())
    return h * 3600 + m * 60 + s


def environment(service):
    """A service's environment as a dict (Compose allows a mapping or a list of KEY=VALUE)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def faults(document):
    """One line per thing the compose document lacks; empty when it passes."""
    found = []
    services = (document or {}).get("services") or {}
    podium = services.get("podium")
    if not isinstance(podium, dict):
        return ["no service `podium`"]
    env = environment(podium)
    for name in ("PODIUM_PUBLIC_URL", "DATABASE_URL", "PODIUM_SECRET"):
        if not env.get(name):
            found.append(f"podium: {name} is not set")
    declared = (document.get("volumes") or {}).keys()
    mounts = []
    for volume in podium.get("volumes") or []:
        if isinstance(volume, dict):
            source, target = volume.get("source"), volume.get("target")
        else:
            source, _, rest = str(volume).partition(":")
            target = rest.split(":")[0]
        mounts.append(target)
        if source and not source.startswith((".", "/", "~")) and source not in declared:
            found.append(f"podium: volume `{source}` is not declared under the top-level volumes")
    secret = str(env.get("PODIUM_SECRET") or "")
    if secret.startswith("/"):
        inside = any(posixpath.commonpath([secret, m]) == m for m in mounts if m)
        if not inside:
            found.append(f"podium: the secret file {secret} lies outside every volume {mounts}")
    grace = seconds(podium.get("stop_grace_period", "10s"))
    if grace is None or grace <= 30:
        found.append("podium: stop_grace_period must exceed the 30 s drain")
    depends = podium.get("depends_on") or {}
    postgres = depends.get("postgres") if isinstance(depends, dict) else None
    if "DATABASE_URL" in env and str(env["DATABASE_URL"]).startswith("postgres"):
        if not isinstance(postgres, dict) or postgres.get("condition") != "service_healthy":
            found.append("podium: depends_on postgres must wait for service_healthy")
    return found


def self_test():
    """A duplicate key is refused; the repository's file passes."""
    try:
        load("services:\n  podium:\n    volumes: [a:/x]\n    volumes: [b:/y]\n")
    except yaml.YAMLError as err:
        assert "duplicate key 'volumes'" in str(err), err
    else:
        raise AssertionError("a duplicate key was not refused")
    assert load("a: 1\nb: {a: 2}\n") == {"a": 1, "b": {"a": 2}}, "same key in two mappings"
    bad = load("services:\n  podium:\n    environment:\n      PODIUM_SECRET: /var/lib/podium/s\n"
               "    volumes: [data:/var/lib/podium/data]\nvolumes:\n  data:\n")
    assert any("outside every volume" in f for f in faults(bad)), faults(bad)
    print("check_compose self-test: passed")


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "docker-compose.yml"
    try:
        document = load(path.read_text())
    except yaml.YAMLError as err:
        print(f"{path}: {err}")
        return 1
    found = faults(document)
    for fault in found:
        print(f"{path}: {fault}")
    if not found:
        print(f"{path}: passes")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
