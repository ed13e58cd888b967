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
