{{/* Names and labels shared by every object of the chart. */}}

{{- define "cp.name" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "cp.labels" -}}
app.kubernetes.io/name: collections-pipeline
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "cp.selector" -}}
app.kubernetes.io/name: collections-pipeline
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cp.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- Kafka security */}}

{{/* "true" when the security protocol authenticates with SASL / runs over TLS (else ""). */}}
{{- define "cp.sasl" -}}
{{- if hasPrefix "SASL_" (upper .Values.kafka.securityProtocol) }}true{{ end -}}
{{- end -}}

{{- define "cp.tls" -}}
{{- if hasSuffix "SSL" (upper .Values.kafka.securityProtocol) }}true{{ end -}}
{{- end -}}

{{/* Refuse settings every process would refuse at start (streams/settings.py). */}}
{{- define "cp.checkKafka" -}}
{{- $protocol := upper .Values.kafka.securityProtocol -}}
{{- if not (has $protocol (list "PLAINTEXT" "SSL" "SASL_PLAINTEXT" "SASL_SSL")) -}}
{{- fail (printf "kafka.securityProtocol %q: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL" .Values.kafka.securityProtocol) -}}
{{- end -}}
{{- if not (has (upper .Values.kafka.saslMechanism) (list "SCRAM-SHA-512" "SCRAM-SHA-256" "PLAIN")) -}}
{{- fail (printf "kafka.saslMechanism %q: expected SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN" .Values.kafka.saslMechanism) -}}
{{- end -}}
{{- $roles := list "worker" "callbacks" "gateway-sms" "gateway-ivr" "gateway-agent-call" "gateway-field-visit" "gateway-legal-letter" -}}
{{- range $role, $_ := .Values.kafka.principals -}}
{{- if not (has $role $roles) -}}
{{- fail (printf "kafka.principals.%s: not a role the chart runs (%s)" $role (join ", " $roles)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The Kafka principal of a role (list root role): the role's name, as in `collectctl acls`
     (streams/contract/acls.py), unless kafka.principals renames it. */}}
{{- define "cp.principal" -}}
{{- $root := index . 0 -}}
{{- $role := index . 1 -}}
{{- index $root.Values.kafka.principals $role | default $role -}}
{{- end -}}

{{/* Files of kafka.secretName a role's pod mounts under /etc/collections/kafka (dict root
     role), as the items of a secret volume: only that role's own password and certificate. */}}
{{- define "cp.kafkaItems" -}}
{{- $v := .root.Values -}}
{{- if include "cp.sasl" .root }}
- {key: {{ printf "%s.password" .role }}, path: password}
{{- end }}
{{- if include "cp.tls" .root }}
{{- if $v.kafka.caBundle }}
- {key: ca.pem, path: ca.pem}
{{- end }}
{{- if $v.kafka.clientCertificates }}
- {key: {{ printf "%s.crt" .role }}, path: client.crt}
- {key: {{ printf "%s.key" .role }}, path: client.key}
{{- end }}
{{- end }}
{{- if and $v.schemaRegistry.url $v.schemaRegistry.username }}
- {key: schema-registry.password, path: schema-registry.password}
{{- end }}
{{- if and $v.schemaRegistry.url $v.schemaRegistry.caBundle }}
- {key: schema-registry-ca.pem, path: schema-registry-ca.pem}
{{- end }}
{{- end -}}

{{/* Settings every process shares, and its Kafka identity (dict root role). Only variables
     that Settings.from_env reads; secrets as paths to the files mounted by cp.kafkaVolume. */}}
{{- define "cp.env" -}}
{{- $v := .root.Values -}}
- name: KAFKA_BOOTSTRAP
  value: {{ $v.kafka.bootstrap | quote }}
- name: COLLECTIONS_KAFKA_SECURITY_PROTOCOL
  value: {{ upper $v.kafka.securityProtocol | quote }}
{{- if include "cp.sasl" .root }}
- name: COLLECTIONS_KAFKA_SASL_MECHANISM
  value: {{ upper $v.kafka.saslMechanism | quote }}
- name: COLLECTIONS_KAFKA_USERNAME
  value: {{ include "cp.principal" (list .root .role) | quote }}
- name: COLLECTIONS_KAFKA_PASSWORD_FILE
  value: /etc/collections/kafka/password
{{- end }}
{{- if include "cp.tls" .root }}
{{- if $v.kafka.caBundle }}
- name: COLLECTIONS_KAFKA_CA_FILE
  value: /etc/collections/kafka/ca.pem
{{- end }}
{{- if $v.kafka.clientCertificates }}
- name: COLLECTIONS_KAFKA_CERT_FILE
  value: /etc/collections/kafka/client.crt
- name: COLLECTIONS_KAFKA_KEY_FILE
  value: /etc/collections/kafka/client.key
{{- end }}
{{- end }}
{{- with $v.schemaRegistry }}
{{- if .url }}
- name: COLLECTIONS_SCHEMA_REGISTRY_URL
  value: {{ .url | quote }}
{{- if .username }}
- name: COLLECTIONS_SCHEMA_REGISTRY_USERNAME
  value: {{ .username | quote }}
- name: COLLECTIONS_SCHEMA_REGISTRY_PASSWORD_FILE
  value: /etc/collections/kafka/schema-registry.password
{{- end }}
{{- if .caBundle }}
- name: COLLECTIONS_SCHEMA_REGISTRY_CA_FILE
  value: /etc/collections/kafka/schema-registry-ca.pem
{{- end }}
{{- end }}
{{- end }}
- name: COLLECTIONS_APP_ID
  value: {{ $v.appId | quote }}
- name: COLLECTIONS_PARTITIONS
  value: {{ $v.kafka.partitions | quote }}
- name: COLLECTIONS_BIND_HOST
  value: {{ $v.bindHost | quote }}
- name: COLLECTIONS_DATA_DIR
  value: /var/lib/collections
{{- end -}}

{{/* The secret volume of cp.kafkaItems (dict root role); nothing when there is no file. */}}
{{- define "cp.kafkaVolume" -}}
{{- $items := include "cp.kafkaItems" . -}}
{{- if $items }}
- name: kafka
  secret:
    secretName: {{ .root.Values.kafka.secretName }}
    defaultMode: 0440
    items:
      {{- $items | nindent 6 }}
{{- end }}
{{- end -}}

{{- define "cp.kafkaMount" -}}
{{- if include "cp.kafkaItems" . }}
- name: kafka
  mountPath: /etc/collections/kafka
  readOnly: true
{{- end }}
{{- end -}}

{{/* ------------------------------------------------------------ channels and keys */}}

{{/* A channel's name in Kubernetes object names and Kafka roles: agent_call -> agent-call. */}}
{{- define "cp.suffix" -}}
{{- . | replace "_" "-" -}}
{{- end -}}

{{/* Channels whose vendors call back (enabled gateways with callbacks: true), one a line. */}}
{{- define "cp.callbackChannels" -}}
{{- range $channel, $gw := .Values.gateways }}
{{- if and $gw.enabled $gw.callbacks }}
{{ $channel }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod and container hardening: non-root, read-only root file system, no capabilities. */}}
{{- define "cp.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "cp.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Workload annotations: without a digest, say why the scanner's digest check is skipped. */}}
{{- define "cp.workloadAnnotations" -}}
{{- if not .Values.image.digest -}}
checkov.io/skip1: CKV_K8S_43=image.digest is empty (the chart's example values); pin the image by digest in production
{{- end -}}
{{- end -}}
