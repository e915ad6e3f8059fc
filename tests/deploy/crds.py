"""JSON Schemas of the operator resources deploy/k8s uses, written from the Strimzi (kafka.strimzi.io/v1beta2)
and CloudNativePG (postgresql.cnpg.io/v1, barmancloud.cnpg.io/v1) CustomResourceDefinitions.

kubernetes-validate knows only the built-in kinds. These cover the fields of each CRD that our manifests use
or could plausibly reach for, with their types, enums and bounds; an unknown field is an error (as in the
operators' structural schemas, which prune or reject it), so a typo or a field from another API version fails.
"""

from typing import Any

Schema = dict[str, Any]


def obj(properties: dict[str, Schema], *, required: tuple[str, ...] = ()) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def arr(items: Schema, *, min_items: int = 0) -> Schema:
    return {"type": "array", "items": items, "minItems": min_items}


def enum(*values: str) -> Schema:
    return {"type": "string", "enum": list(values)}


STRING: Schema = {"type": "string"}
BOOLEAN: Schema = {"type": "boolean"}
INTEGER: Schema = {"type": "integer"}
OPEN: Schema = {"type": "object"}  # x-kubernetes-preserve-unknown-fields in the CRD
QUANTITY: Schema = {"type": ["string", "integer"]}
STRING_MAP: Schema = {"type": "object", "additionalProperties": {"type": "string"}}
RESOURCES = obj(
    {
        "requests": {"type": "object", "additionalProperties": QUANTITY},
        "limits": {"type": "object", "additionalProperties": QUANTITY},
        "claims": arr(OPEN),
    }
)
METADATA: Schema = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253}
    },
    "required": ["name"],
}
SECRET_KEY = obj({"name": STRING, "key": STRING}, required=("name", "key"))


def resource(api_version: str, kind: str, spec: Schema) -> Schema:
    return obj(
        {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": METADATA,
            "spec": spec,
        },
        required=("apiVersion", "kind", "metadata", "spec"),
    )


# --- Strimzi -------------------------------------------------------------------------------------------

LISTENER = obj(
    {
        "name": {"type": "string", "pattern": "^[a-z0-9]{1,11}$"},
        "port": {"type": "integer", "minimum": 9092, "not": {"enum": [9404, 9999]}},
        "type": enum("internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"),
        "tls": BOOLEAN,
        "authentication": {
            "type": "object",
            "properties": {"type": enum("tls", "scram-sha-512", "oauth", "custom")},
            "required": ["type"],
        },
        "configuration": OPEN,
        "networkPolicyPeers": arr(OPEN),
    },
    required=("name", "port", "type", "tls"),
)
OPERATOR = obj(
    {
        "watchedNamespace": STRING,
        "image": STRING,
        "reconciliationIntervalMs": INTEGER,
        "resources": RESOURCES,
        "logging": OPEN,
        "jvmOptions": OPEN,
        "livenessProbe": OPEN,
        "readinessProbe": OPEN,
    }
)
KAFKA = resource(
    "kafka.strimzi.io/v1beta2",
    "Kafka",
    obj(
        {
            "kafka": obj(
                {
                    "version": STRING,
                    "metadataVersion": STRING,
                    "replicas": {"type": "integer", "minimum": 1},
                    "image": STRING,
                    "listeners": arr(LISTENER, min_items=1),
                    "config": OPEN,
                    "authorization": {
                        "type": "object",
                        "properties": {
                            "type": enum("simple", "opa", "keycloak", "custom"),
                            "superUsers": arr(STRING),
                        },
                        "required": ["type"],
                    },
                    "rack": OPEN,
                    "resources": RESOURCES,
                    "jvmOptions": OPEN,
                    "metricsConfig": OPEN,
                    "logging": OPEN,
                    "template": OPEN,
                },
                required=("listeners",),
            ),
            "entityOperator": obj(
                {"topicOperator": OPERATOR, "userOperator": OPERATOR, "template": OPEN, "tlsSidecar": OPEN}
            ),
            "kafkaExporter": obj(
                {
                    "image": STRING,
                    "groupRegex": STRING,
                    "topicRegex": STRING,
                    "groupExcludeRegex": STRING,
                    "topicExcludeRegex": STRING,
                    "resources": RESOURCES,
                    "logging": STRING,
                    "enableSaramaLogging": BOOLEAN,
                    "template": OPEN,
                }
            ),
            "cruiseControl": OPEN,
            "clusterCa": OPEN,
            "clientsCa": OPEN,
            "maintenanceTimeWindows": arr(STRING),
        },
        required=("kafka",),
    ),
)
VOLUME = obj(
    {
        "id": {"type": "integer", "minimum": 0},
        "type": enum("ephemeral", "persistent-claim"),
        "size": STRING,
        "sizeLimit": STRING,
        "class": STRING,
        "deleteClaim": BOOLEAN,
        "kraftMetadata": enum("shared"),
        "selector": OPEN,
        "overrides": arr(OPEN),
    },
    required=("type",),
)
STORAGE: Schema = {
    **obj(
        {
            "type": enum("ephemeral", "persistent-claim", "jbod"),
            "volumes": arr(VOLUME, min_items=1),
            "size": STRING,
            "sizeLimit": STRING,
            "class": STRING,
            "deleteClaim": BOOLEAN,
            "kraftMetadata": enum("shared"),
        },
        required=("type",),
    ),
    "if": {"properties": {"type": {"const": "jbod"}}},
    "then": {"required": ["volumes"]},
}
KAFKA_NODE_POOL = resource(
    "kafka.strimzi.io/v1beta2",
    "KafkaNodePool",
    obj(
        {
            "replicas": {"type": "integer", "minimum": 0},
            "roles": {**arr(enum("controller", "broker"), min_items=1), "uniqueItems": True},
            "storage": STORAGE,
            "resources": RESOURCES,
            "jvmOptions": OPEN,
            "template": OPEN,
        },
        required=("replicas", "storage", "roles"),
    ),
)
KAFKA_TOPIC = resource(
    "kafka.strimzi.io/v1beta2",
    "KafkaTopic",
    obj(
        {
            "topicName": STRING,
            "partitions": {"type": "integer", "minimum": 1},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 32767},
            "config": OPEN,
        }
    ),
)
ACL_OPERATIONS = (
    "Read",
    "Write",
    "Create",
    "Delete",
    "Alter",
    "Describe",
    "ClusterAction",
    "AlterConfigs",
    "DescribeConfigs",
    "IdempotentWrite",
    "All",
)
KAFKA_USER = resource(
    "kafka.strimzi.io/v1beta2",
    "KafkaUser",
    obj(
        {
            "authentication": obj(
                {"type": enum("tls", "tls-external", "scram-sha-512"), "password": OPEN}, required=("type",)
            ),
            "authorization": obj(
                {
                    "type": enum("simple"),
                    "acls": arr(
                        obj(
                            {
                                "type": enum("allow", "deny"),
                                "resource": obj(
                                    {
                                        "type": enum("topic", "group", "cluster", "transactionalId"),
                                        "name": STRING,
                                        "patternType": enum("literal", "prefix"),
                                    },
                                    required=("type",),
                                ),
                                "operations": arr(enum(*ACL_OPERATIONS), min_items=1),
                                "host": STRING,
                            },
                            required=("resource", "operations"),
                        )
                    ),
                },
                required=("type", "acls"),
            ),
            "quotas": OPEN,
            "template": OPEN,
        }
    ),
)

# --- CloudNativePG ---------------------------------------------------------------------------------------

STORAGE_CONFIGURATION = obj(
    {"size": STRING, "storageClass": STRING, "resizeInUseVolumes": BOOLEAN, "pvcTemplate": OPEN}
)
CLUSTER = resource(
    "postgresql.cnpg.io/v1",
    "Cluster",
    obj(
        {
            "description": STRING,
            "instances": {"type": "integer", "minimum": 1},
            "imageName": STRING,
            "imageCatalogRef": OPEN,
            "imagePullPolicy": enum("Always", "Never", "IfNotPresent"),
            "primaryUpdateStrategy": enum("unsupervised", "supervised"),
            "primaryUpdateMethod": enum("switchover", "restart"),
            "enableSuperuserAccess": BOOLEAN,
            "bootstrap": obj(
                {
                    "initdb": obj(
                        {
                            "database": STRING,
                            "owner": STRING,
                            "secret": obj({"name": STRING}, required=("name",)),
                            "encoding": STRING,
                            "localeCollate": STRING,
                            "localeCType": STRING,
                            "dataChecksums": BOOLEAN,
                            "postInitApplicationSQL": arr(STRING),
                        }
                    ),
                    "recovery": obj(
                        {
                            "source": STRING,
                            "database": STRING,
                            "owner": STRING,
                            "backup": obj({"name": STRING}, required=("name",)),
                            "recoveryTarget": OPEN,
                        }
                    ),
                    "pg_basebackup": OPEN,
                }
            ),
            "storage": STORAGE_CONFIGURATION,
            "walStorage": STORAGE_CONFIGURATION,
            "postgresql": obj(
                {
                    "parameters": STRING_MAP,
                    "pg_hba": arr(STRING),
                    "shared_preload_libraries": arr(STRING),
                    "synchronous": OPEN,
                }
            ),
            "resources": RESOURCES,
            "affinity": obj(
                {
                    "enablePodAntiAffinity": BOOLEAN,
                    "topologyKey": STRING,
                    "podAntiAffinityType": enum("preferred", "required"),
                    "nodeSelector": STRING_MAP,
                    "tolerations": arr(OPEN),
                }
            ),
            "monitoring": obj({"enablePodMonitor": BOOLEAN, "customQueriesConfigMap": arr(OPEN)}),
            "plugins": arr(
                obj(
                    {"name": STRING, "enabled": BOOLEAN, "isWALArchiver": BOOLEAN, "parameters": STRING_MAP},
                    required=("name",),
                )
            ),
            "externalClusters": arr(OPEN),
            "backup": OPEN,
            "inheritedMetadata": OPEN,
        }
    ),
)
SCHEDULED_BACKUP = resource(
    "postgresql.cnpg.io/v1",
    "ScheduledBackup",
    obj(
        {
            # Six fields: CloudNativePG's cron has seconds first.
            "schedule": {"type": "string", "pattern": r"^\S+( \S+){5}$"},
            "cluster": obj({"name": STRING}, required=("name",)),
            "backupOwnerReference": enum("none", "self", "cluster"),
            "method": enum("barmanObjectStore", "volumeSnapshot", "plugin"),
            "pluginConfiguration": obj({"name": STRING, "parameters": STRING_MAP}, required=("name",)),
            "immediate": BOOLEAN,
            "suspend": BOOLEAN,
            "online": BOOLEAN,
            "target": enum("primary", "prefer-standby"),
        },
        required=("schedule", "cluster"),
    ),
)
COMPRESSION = enum("bzip2", "gzip", "lz4", "snappy", "xz", "zstd")
OBJECT_STORE = resource(
    "barmancloud.cnpg.io/v1",
    "ObjectStore",
    obj(
        {
            "retentionPolicy": {"type": "string", "pattern": "^[1-9][0-9]*[dwm]$"},
            "configuration": obj(
                {
                    "destinationPath": {"type": "string", "minLength": 1},
                    "endpointURL": STRING,
                    "endpointCA": OPEN,
                    "s3Credentials": obj(
                        {
                            "accessKeyId": SECRET_KEY,
                            "secretAccessKey": SECRET_KEY,
                            "region": SECRET_KEY,
                            "sessionToken": SECRET_KEY,
                            "inheritFromIAMRole": BOOLEAN,
                        }
                    ),
                    "azureCredentials": OPEN,
                    "googleCredentials": OPEN,
                    "wal": obj({"compression": COMPRESSION, "maxParallel": INTEGER, "encryption": STRING}),
                    "data": obj(
                        {
                            "compression": COMPRESSION,
                            "jobs": INTEGER,
                            "immediateCheckpoint": BOOLEAN,
                            "encryption": STRING,
                        }
                    ),
                    "tags": STRING_MAP,
                    "historyTags": STRING_MAP,
                },
                required=("destinationPath",),
            ),
            "instanceSidecarConfiguration": OPEN,
        },
        required=("configuration",),
    ),
)

SCHEMAS: dict[tuple[str, str], Schema] = {
    (schema["properties"]["apiVersion"]["const"], schema["properties"]["kind"]["const"]): schema
    for schema in (KAFKA, KAFKA_NODE_POOL, KAFKA_TOPIC, KAFKA_USER, CLUSTER, SCHEDULED_BACKUP, OBJECT_STORE)
}
