"""deploy/compose.yaml: parses, and wires every service to Kafka, its own database role and its migration."""

import re
import shutil
import subprocess

import pytest
import yaml


@pytest.fixture(scope="session")
def compose(repo) -> dict:
    return yaml.safe_load((repo / "deploy" / "compose.yaml").read_text())


def test_every_service_has_its_image_port_and_migration_job(compose, platform):
    services = compose["services"]
    for name, svc in platform.items():
        service, job = services[name], services[f"migrate-{name}"]
        expected_args = {"SERVICE": name, "PACKAGE": svc["package"], "PORT": str(svc["port"])}
        assert service["build"]["args"] == expected_args
        assert service["image"] == job["image"]
        assert service["ports"] == [f"{svc['port']}:{svc['port']}"]
        assert job["entrypoint"] == ["kentongan", "migrate"] and job["restart"] == "no"
        assert service["depends_on"][f"migrate-{name}"] == {"condition": "service_completed_successfully"}
        assert job["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_each_service_connects_as_its_own_role(compose, platform):
    for name, svc in platform.items():
        env = compose["services"][name]["environment"]
        role = svc["package"]
        assert re.fullmatch(rf"postgresql\+asyncpg://{role}:\$\{{{role.upper()}_DB_PASSWORD:\?[^}}]+\}}"
                            r"@postgres:5432/kentongan", env["DATABASE_URL"]), env["DATABASE_URL"]
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["KENTONGAN_ENV"] == "production"
        assert compose["services"][name]["env_file"] == [".env"]


def test_database_init_creates_a_role_and_an_owned_schema_per_service(repo, compose, platform):
    sql = (repo / "deploy" / "postgres" / "10-kentongan-roles.sql").read_text()
    postgres_env = compose["services"]["postgres"]["environment"]
    for svc in platform.values():
        role = svc["package"]
        assert f"\\getenv {role}_password {role.upper()}_DB_PASSWORD" in sql
        assert f"CREATE ROLE {role} LOGIN PASSWORD :'{role}_password';" in sql
        assert f"CREATE SCHEMA {role} AUTHORIZATION {role};" in sql
        assert f"{role.upper()}_DB_PASSWORD" in postgres_env
    assert "./postgres:/docker-entrypoint-initdb.d:ro" in compose["services"]["postgres"]["volumes"]


def test_kafka_runs_in_kraft_mode(compose):
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_example_env_names_every_secret_compose_requires(repo):
    compose_text = (repo / "deploy" / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", compose_text))
    example = (repo / "deploy" / ".env.example").read_text()
    defined = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert required and required <= defined, required - defined


def test_prometheus_scrapes_every_service_and_grafana_is_provisioned(repo, compose, platform):
    config = yaml.safe_load((repo / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}
    assert targets == {name: [f"{name}:{svc['port']}"] for name, svc in platform.items()}
    mounts = compose["services"]["grafana"]["volumes"]
    for mount in mounts:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (repo / "deploy" / source).is_dir(), source
    assert list((repo / "deploy" / "grafana" / "dashboards").glob("*.json"))


def test_docker_compose_accepts_the_file(repo, tmp_path):
    docker = shutil.which("docker")
    plugin = docker and subprocess.run([docker, "compose", "version"], check=False, capture_output=True)
    if not plugin or plugin.returncode != 0:
        pytest.skip("the docker compose plugin is not installed here; the structural checks above still ran")
    deploy = tmp_path / "deploy"  # a copy, so the required deploy/.env can exist without touching the repo
    shutil.copytree(repo / "deploy", deploy)
    shutil.copy(deploy / ".env.example", deploy / ".env")
    result = subprocess.run([docker, "compose", "-f", str(deploy / "compose.yaml"), "config", "--quiet"],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
