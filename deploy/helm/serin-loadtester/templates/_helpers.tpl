{{/* The objects' name: flagger-loadtester, the Service Canaries call, unless overridden. */}}
{{- define "loadtester.fullname" -}}
{{- default "flagger-loadtester" (default .Values.nameOverride .Values.fullnameOverride) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "loadtester.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* What selects the pods: `app`, as deploy/loadtester.yaml and Flagger's chart select them. */}}
{{- define "loadtester.selectorLabels" -}}
app: {{ include "loadtester.fullname" . }}
{{- end -}}

{{- define "loadtester.labels" -}}
app: {{ include "loadtester.fullname" . }}
app.kubernetes.io/name: {{ include "loadtester.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "loadtester.chart" . }}
{{- end -}}

{{- define "loadtester.serviceAccountName" -}}
{{- if .Values.serviceAccountName -}}
{{- .Values.serviceAccountName -}}
{{- else if .Values.rbac.create -}}
{{- include "loadtester.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "loadtester.logLevel" -}}
{{- $level := default "info" .Values.logLevel -}}
{{- if eq $level "warning" -}}warn{{- else -}}{{ $level }}{{- end -}}
{{- end -}}

{{- define "loadtester.validate" -}}
{{- if hasSuffix "flagger-loadtester" (toString .Values.image.repository) -}}
{{- fail (printf "image.repository %q is Flagger's load tester image; this chart runs `serin loadtester`: remove image.repository and image.tag from the values (default ghcr.io/serin-project/serin)" .Values.image.repository) -}}
{{- end -}}
{{- if not (has (include "loadtester.logLevel" .) (list "debug" "info" "warn" "error")) -}}
{{- fail (printf "logLevel %q is not a level: use debug, info, warn (or warning) or error" (toString .Values.logLevel)) -}}
{{- end -}}
{{- if and .Values.commands.enabled (or (empty .Values.commands.allow) (empty .Values.commands.tokenSecret)) -}}
{{- fail "commands.enabled=true needs commands.allow (the programs, like [kubectl, helm]) and commands.tokenSecret (a Secret with key `token`)" -}}
{{- end -}}
{{- end -}}
