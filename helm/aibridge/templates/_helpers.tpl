{{/* The four services: values key -> Kubernetes name suffix. */}}
{{- define "aibridge.components" -}}
proxy: proxy-service
query: query-service
recorder: recorder-service
retention: retention-service
{{- end -}}

{{- define "aibridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-wide name; component names append "-proxy-service" etc., so keep it short. */}}
{{- define "aibridge.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects. Call with (dict "root" $ "component" "proxy"). */}}
{{- define "aibridge.componentName" -}}
{{- $components := include "aibridge.components" .root | fromYaml -}}
{{- printf "%s-%s" (include "aibridge.fullname" .root) (index $components .component) -}}
{{- end -}}

{{- define "aibridge.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "aibridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: aibridge
{{- end -}}

{{/* Labels of one component. Call with (dict "root" $ "component" "proxy"). */}}
{{- define "aibridge.componentLabels" -}}
{{ include "aibridge.labels" .root }}
app.kubernetes.io/component: {{ index (include "aibridge.components" .root | fromYaml) .component }}
{{- end -}}

{{- define "aibridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aibridge.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ index (include "aibridge.components" .root | fromYaml) .component }}
{{- end -}}

{{- define "aibridge.image" -}}
{{- $values := index .root.Values .component -}}
{{- $tag := $values.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) $values.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "aibridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "aibridge.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* One environment variable from a key of an existing Secret. */}}
{{- define "aibridge.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName | quote }}
      key: {{ .key | quote }}
{{- end -}}

{{/*
A provider's key pool (apiKeys): one variable per Secret reference, <part>_0, <part>_1, ..., then
the proxy's <variable>, the keys comma-separated in list order, composed by Kubernetes' $(VAR)
expansion. Expansion only sees variables defined earlier in the container's env list, so the parts
come first. The parts' names must not start with AIBRIDGE_PROVIDER_: the proxy refuses any
variable of that prefix that is not one of its settings. Call with
(dict "variable" "AIBRIDGE_OPENAI_KEYS" "part" "AIBRIDGE_KEYS_OPENAI" "refs" .apiKeys).
*/}}
{{- define "aibridge.keyPoolEnv" -}}
{{- $part := .part -}}
{{- $references := list -}}
{{- range $j, $ref := .refs }}
{{ include "aibridge.secretEnv" (dict "name" (printf "%s_%d" $part $j) "secretName" $ref.secretName "key" $ref.key) }}
{{- $references = append $references (printf "$(%s_%d)" $part $j) }}
{{- end }}
- name: {{ .variable }}
  value: {{ join "," $references | quote }}
{{- end -}}

{{/*
Render-time checks of a provider's apiKeys that the schema cannot make (or that hold when it is
skipped): not together with apiKey, at most 5, each a {secretName, key} reference, none twice. An
empty list is no list. Call with (dict "subject" "providers.openai" "provider" .Values.providers.openai);
every message starts with the subject.
*/}}
{{- define "aibridge.checkApiKeys" -}}
{{- $subject := .subject -}}
{{- $keys := .provider.apiKeys -}}
{{- if $keys -}}
{{- if not (kindIs "slice" $keys) -}}
{{- fail (printf "%s has apiKeys that are not a list: give a list of {secretName, key} references, one per provider key" $subject) -}}
{{- end -}}
{{- with .provider.apiKey -}}
{{- if .secretName -}}
{{- fail (printf "%s has both apiKey and apiKeys; give one key in apiKey or several in apiKeys, not both" $subject) -}}
{{- end -}}
{{- end -}}
{{- if gt (len $keys) 5 -}}
{{- fail (printf "%s has %d apiKeys; the proxy takes at most 5 keys per provider" $subject (len $keys)) -}}
{{- end -}}
{{- $seen := list -}}
{{- range $j, $ref := $keys -}}
{{- if not (kindIs "map" $ref) -}}
{{- fail (printf "%s has apiKeys[%d] that is no {secretName, key} reference to a key of an existing Secret" $subject $j) -}}
{{- end -}}
{{- if not $ref.secretName -}}
{{- fail (printf "%s has apiKeys[%d] without a secretName; each entry is {secretName, key}, one key of an existing Secret" $subject $j) -}}
{{- end -}}
{{- if not $ref.key -}}
{{- fail (printf "%s has apiKeys[%d] without a key; each entry is {secretName, key}, one key of an existing Secret" $subject $j) -}}
{{- end -}}
{{- $id := printf "%s/%s" $ref.secretName $ref.key -}}
{{- if has $id $seen -}}
{{- fail (printf "%s lists the key %q of the Secret %q twice in apiKeys; list each key once" $subject $ref.key $ref.secretName) -}}
{{- end -}}
{{- $seen = append $seen $id -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Whether the proxy runs with a fixed replica count (no autoscaler) or a minimum above one. */}}
{{- define "aibridge.proxyMinReplicas" -}}
{{- if .Values.proxy.autoscaling.enabled -}}
{{- .Values.proxy.autoscaling.minReplicas -}}
{{- else -}}
{{- .Values.proxy.replicaCount -}}
{{- end -}}
{{- end -}}

{{/*
The path prefixes proxy-service serves, as JSON: ingress.proxyPaths and one per provider instance.
*/}}
{{- define "aibridge.proxyPaths" -}}
{{- $paths := .Values.ingress.proxyPaths }}
{{- range .Values.providers.instances }}
{{- $paths = append $paths (printf "/api/v2/aibridge/%s" .name) }}
{{- end }}
{{- toJson $paths }}
{{- end }}
