"""k8s/: each overlay renders with `kubectl kustomize` and validates against the Kubernetes schemas, offline.

kubernetes-validate knows only built-in kinds; the operators' custom resources (Strimzi, CloudNativePG,
Prometheus Operator) are skipped there by name and their essential fields checked here instead.
"""

import subprocess
from collections import defaultdict

import kubernetes_validate
import pytest
import yaml

from kentongan.events.topics import ALL, DEVICE_MESSAGES, REPORTER_UPDATES

KUBERNETES_VERSION = "1.33"
OVERLAYS = ["dev", "production"]
CUSTOM_KINDS = {  # apiVersion group -> kinds that only their operator's CRD describes
    "kafka.strimzi.io": {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"},
    "postgresql.cnpg.io": {"Cluster", "ScheduledBackup"},
    "monitoring.coreos.com": {"PodMonitor"},
}
TOPICS = ALL  # the manifests must declare every topic the code knows


@pytest.fixture(scope="session")
def rendered(repo, tool) -> dict[str, list[dict]]:
    """Each overlay's resources, as `kubectl kustomize` renders them (no cluster, no network)."""
    out = {}
    for overlay in OVERLAYS:
        result = subprocess.run([tool("kubectl"), "kustomize", str(repo / "k8s" / "overlays" / overlay)],
                                check=False, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        out[overlay] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return out


def by_kind(resources: list[dict]) -> dict[str, dict[str, dict]]:
    kinds: dict[str, dict[str, dict]] = defaultdict(dict)
    for resource in resources:
        kinds[resource["kind"]][resource["metadata"]["name"]] = resource
    return kinds


def is_custom(resource: dict) -> bool:
    group = resource["apiVersion"].rpartition("/")[0]
    return resource["kind"] in CUSTOM_KINDS.get(group, set())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_built_in_resources_validate_against_the_kubernetes_schemas(rendered, overlay):
    errors = []
    for resource in rendered[overlay]:
        if is_custom(resource):
            continue
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as error:
            name = f"{resource['kind']}/{resource['metadata']['name']}"
            errors.append(f"{name}: {getattr(error, 'message', error)}")
    assert not errors, "\n".join(errors)


def test_the_validator_rejects_a_misspelt_field():
    """Guards the test above: strict validation must fail on an unknown field, not pass everything."""
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"prots": []}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_its_workload_and_companions(rendered, platform, overlay):
    kinds = by_kind(rendered[overlay])
    for name, svc in platform.items():
        deployment = kinds["Deployment"][name]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["ports"] == [{"name": "http", "containerPort": svc["port"], "protocol": "TCP"}]
        assert set(container["resources"]) == {"requests", "limits"}
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        env = {e["name"]: e.get("value") for e in container["env"]}
        url = f"postgresql+asyncpg://{svc['package']}:$(DATABASE_PASSWORD)@db-{name}-rw:"
        assert env["DATABASE_URL"].startswith(url)
        assert env["DATABASE_URL"].endswith("?ssl=verify-full")
        refs = [next(iter(source.values()))["name"] for source in container["envFrom"]]
        assert any(ref.startswith(f"{name}-secrets") for ref in refs)
        assert kinds["Service"][name]["spec"]["ports"][0]["port"] == svc["port"]
        assert name in kinds["PodDisruptionBudget"]
        job = kinds["Job"][f"{name}-migrate"]["spec"]["template"]["spec"]["containers"][0]
        assert job["command"] == ["kentongan", "migrate"] and job["image"] == container["image"]
        assert name in kinds["NetworkPolicy"] and f"db-{name}" in kinds["NetworkPolicy"]
    assert set(kinds["HorizontalPodAutoscaler"]) == {"alarm-gateway", "dispatch"}
    for hpa in kinds["HorizontalPodAutoscaler"].values():
        assert "replicas" not in kinds["Deployment"][hpa["spec"]["scaleTargetRef"]["name"]]["spec"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_applies_the_retention_policy_nightly_with_its_own_database(rendered, platform, overlay):
    kinds = by_kind(rendered[overlay])
    for name in platform:
        cron = kinds["CronJob"][f"{name}-retention"]["spec"]
        pod = cron["jobTemplate"]["spec"]["template"]
        container = pod["spec"]["containers"][0]
        assert container["command"] == ["kentongan", "retention", "run", "--service", name]
        assert container["image"] == kinds["Deployment"][name]["spec"]["template"]["spec"]["containers"][0]["image"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert f"@db-{name}-rw:" in env["DATABASE_URL"]
        # Its database's network policy lets in the pods of its service: the job is one of them.
        assert pod["metadata"]["labels"]["app.kubernetes.io/name"] == name
        assert cron["concurrencyPolicy"] == "Forbid"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_reaches_only_its_own_database_and_kafka(rendered, platform, overlay):
    policies = by_kind(rendered[overlay])["NetworkPolicy"]
    for name in platform:
        egress = policies[name]["spec"]["egress"]
        peers = [(rule, peer.get("podSelector", {}).get("matchLabels", {}))
                 for rule in egress for peer in rule.get("to", [])]
        databases = [labels["cnpg.io/cluster"] for _, labels in peers if "cnpg.io/cluster" in labels]
        assert databases == [f"db-{name}"]
        kafka = [rule for rule, labels in peers if labels.get("strimzi.io/cluster") == "kentongan"]
        assert kafka and kafka[0]["ports"] == [{"port": 9093, "protocol": "TCP"}]
        callers = policies[f"db-{name}"]["spec"]["ingress"][0]["from"]
        assert callers == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}}]


def test_production_kafka_is_kraft_with_three_replicas_and_two_in_sync(rendered):
    kinds = by_kind(rendered["production"])
    kafka = kinds["Kafka"]["kentongan"]
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    pool = kinds["KafkaNodePool"]["dual-role"]
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == "kentongan"


# What keeps a write the broker acknowledged: three copies, two of them in sync before it counts, and no
# out-of-sync replica ever elected leader (it would silently drop what the others had acknowledged).
KEEPS_ACKNOWLEDGED_WRITES = {"min.insync.replicas": 2, "unclean.leader.election.enable": False}


def test_production_kafka_keeps_acknowledged_writes(rendered):
    kinds = by_kind(rendered["production"])
    config = kinds["Kafka"]["kentongan"]["spec"]["kafka"]["config"]
    assert {key: config[key] for key in KEEPS_ACKNOWLEDGED_WRITES} == KEEPS_ACKNOWLEDGED_WRITES
    assert config["default.replication.factor"] == 3
    # The consumer offsets and the idempotent producers' state are topics too.
    assert config["offsets.topic.replication.factor"] == 3
    assert (config["transaction.state.log.replication.factor"], config["transaction.state.log.min.isr"]) == (3, 2)
    assert config["auto.create.topics.enable"] is False  # every topic is declared, with the settings below
    for name, topic in kinds["KafkaTopic"].items():
        settings = {key: topic["spec"]["config"].get(key) for key in KEEPS_ACKNOWLEDGED_WRITES}
        assert (topic["spec"]["replicas"], settings) == (3, KEEPS_ACKNOWLEDGED_WRITES), name


async def test_every_producer_is_idempotent_and_waits_for_all_in_sync_replicas(repo):
    from kentongan.kafka import create_producer, stop_quietly
    from kentongan.settings import ServiceSettings

    producer = create_producer(ServiceSettings(), "deploy-test")  # never started: no broker needed
    try:
        assert producer._sender._acks == -1  # acks=all
        assert producer._txn_manager is not None  # idempotence: producer id and sequence numbers
    finally:
        await stop_quietly(producer)
    # and no service builds a producer of its own
    sources = [path for folder in ("services", "shared") for path in (repo / folder).rglob("*.py")
               if "tests" not in path.parts and path.name != "kafka.py"]
    assert not [path for path in sources if "AIOKafkaProducer(" in path.read_text()]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_topic_and_its_dead_letter_twin_is_declared(rendered, overlay):
    topics = {t["spec"]["topicName"]: t for t in by_kind(rendered[overlay])["KafkaTopic"].values()}
    assert set(topics) == set(TOPICS) | {f"{t}.dlq" for t in TOPICS}
    for topic in topics.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "kentongan"
        assert topic["spec"]["partitions"] >= 3
        if overlay == "production":
            assert topic["spec"]["replicas"] == 3 and topic["spec"]["config"]["min.insync.replicas"] == 2
    # dispatch may not scale past the partitions of the topic it consumes the most
    hpa = by_kind(rendered[overlay])["HorizontalPodAutoscaler"]["dispatch"]
    assert hpa["spec"]["maxReplicas"] <= topics["alarms.v1"]["spec"]["partitions"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_its_own_database_and_kafka_user(rendered, platform, overlay):
    kinds = by_kind(rendered[overlay])
    for name, svc in platform.items():
        initdb = kinds["Cluster"][f"db-{name}"]["spec"]["bootstrap"]["initdb"]
        schema = svc["package"]
        assert initdb["owner"] == schema
        create_schema = f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {schema}"
        assert create_schema in initdb["postInitApplicationSQL"]
        user = kinds["KafkaUser"][name]
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        topics = {acl["resource"]["name"] for acl in user["spec"]["authorization"]["acls"]
                  if acl["resource"]["type"] == "topic"}
        assert topics <= set(TOPICS) | {f"{t}.dlq" for t in TOPICS}
    if overlay == "production":
        assert all(c["spec"]["instances"] == 3 for c in kinds["Cluster"].values())


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("topic", [REPORTER_UPDATES, DEVICE_MESSAGES])
def test_only_notifier_may_read_the_reporters_phone_numbers(rendered, overlay, topic):
    readers = {name for name, user in by_kind(rendered[overlay])["KafkaUser"].items()
               for acl in user["spec"]["authorization"]["acls"]
               if acl["resource"]["type"] == "topic" and acl["resource"]["name"] == topic
               and "Read" in acl["operations"]}
    assert readers == {"notifier"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_database_is_archived_continuously_and_backed_up_nightly(rendered, platform, overlay):
    kinds = by_kind(rendered[overlay])
    destinations = set()
    for name in platform:
        backup = kinds["Cluster"][f"db-{name}"]["spec"]["backup"]
        store = backup["barmanObjectStore"]
        destinations.add(store["destinationPath"])
        assert store["wal"]["encryption"] == store["data"]["encryption"] == "AES256"
        assert store["s3Credentials"]["secretAccessKey"]["name"] == "backup-s3"
        assert backup["retentionPolicy"].endswith("d")
        nightly = kinds["ScheduledBackup"][f"db-{name}-nightly"]["spec"]
        assert nightly["cluster"]["name"] == f"db-{name}" and nightly["method"] == "barmanObjectStore"
        assert len(nightly["schedule"].split()) == 6  # CloudNativePG's cron starts with seconds
    assert len(destinations) == len(platform)  # no two databases share a backup path
