{{/* The chart's name, or nameOverride. */}}
{{- define "serin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The name of the release's objects: fullnameOverride, else the release name when it already contains
the chart's name (release `serin` → `serin`), else `<release>-<name>`. Flagger's chart names the same way.
*/}}
{{- define "serin.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "serin.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "serin.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* What selects the operator's pods. */}}
{{- define "serin.selectorLabels" -}}
app.kubernetes.io/name: {{ include "serin.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "serin.labels" -}}
{{ include "serin.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "serin.chart" . }}
{{- end -}}

{{- define "serin.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "serin.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the global notifiers' webhook URLs. */}}
{{- define "serin.notifierSecret" -}}
{{- printf "%s-notifiers" (include "serin.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Is a global notifier URL set (then the Secret exists)? "true" or "". */}}
{{- define "serin.hasNotifierSecret" -}}
{{- if or .Values.slack.url .Values.msteams.url -}}true{{- end -}}
{{- end -}}

{{/* Leader election: asked for, or implied by more than one replica. "true" or "". */}}
{{- define "serin.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.leaderElection.replicaCount) 1) -}}true{{- end -}}
{{- end -}}

{{/* Serin's log level for Flagger's (`warning` is Serin's `warn`). */}}
{{- define "serin.logLevel" -}}
{{- $level := default "info" .Values.logLevel -}}
{{- if eq $level "warning" -}}warn{{- else -}}{{ $level }}{{- end -}}
{{- end -}}

{{- define "serin.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion (toString .Values.image.tag)) -}}
{{- end -}}

{{/*
Flagger's values that Serin cannot honour and must not ignore quietly: each stops the install,
naming the key and the fix (docs/install.md lists them).
*/}}
{{- define "serin.validate" -}}
{{- if hasSuffix "fluxcd/flagger" (toString .Values.image.repository) -}}
{{- fail (printf "image.repository %q is Flagger's image; Serin's chart runs Serin: remove image.repository and image.tag from the values (default ghcr.io/serin-project/serin), or name a mirror of Serin's image" .Values.image.repository) -}}
{{- end -}}
{{- if and .Values.prometheus .Values.prometheus.install -}}
{{- fail "prometheus.install=true asks for Flagger's bundled Prometheus, which Serin's chart does not install: install Prometheus yourself and set metricsServer to its URL" -}}
{{- end -}}
{{- if .Values.eventWebhook -}}
{{- fail "eventWebhook (Flagger's global event webhook) is not supported by Serin: remove it and add a webhook of type `event` to the Canaries that need it" -}}
{{- end -}}
{{- if and .Values.controlplane .Values.controlplane.kubeconfig .Values.controlplane.kubeconfig.secretName -}}
{{- fail "controlplane.kubeconfig.secretName (a service mesh in another cluster) is not supported by Serin: remove it" -}}
{{- end -}}
{{- if .Values.noCrossNamespaceRefs -}}
{{- fail "noCrossNamespaceRefs=true is not enforced by Serin yet: remove it (Canaries may then name MetricTemplates and AlertProviders of other namespaces) or keep Flagger" -}}
{{- end -}}
{{- end -}}

{{/*
The ClusterRole's rules, read from deploy/rbac.yaml (files/rbac.yaml links to it): one list of the
operator's rights for `kubectl apply`, kustomize and Helm.
*/}}
{{- define "serin.clusterRoleRules" -}}
{{- include "serin.fileRules" (list . "rbac.yaml" "") -}}
{{- end -}}

{{/*
The rules of a ClusterRole in one of the chart's files/ (links to deploy/): (list $ "<file>" "<name>"),
the name empty for the file's only ClusterRole. The chart renders rights from the same file that
`kubectl apply` uses, so the two can never grant different things.
*/}}
{{- define "serin.fileRules" -}}
{{- $ctx := index . 0 -}}
{{- $file := index . 1 -}}
{{- $name := index . 2 -}}
{{- $rules := list -}}
{{- range $doc := regexSplit "(?m)^---[ \t]*$" ($ctx.Files.Get (printf "files/%s" $file)) -1 -}}
{{- $obj := fromYaml $doc -}}
{{- if and (eq (toString (get $obj "kind")) "ClusterRole") (or (not $name) (eq (toString (dig "metadata" "name" "" $obj)) $name)) -}}
{{- $rules = get $obj "rules" -}}
{{- end -}}
{{- end -}}
{{- if not $rules -}}
{{- fail (printf "files/%s (a link to deploy/%s) has no ClusterRole %s with rules: package the chart from a checkout of the repository" $file $file $name) -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end -}}

{{/*
Is the dashboard on? "true" or "". Also safe when `dashboard` is missing altogether, as after
`helm upgrade --reuse-values` from a chart that had no dashboard (the new defaults are not merged then).
*/}}
{{- define "serin.dashboard.enabled" -}}
{{- if and .Values.dashboard .Values.dashboard.enabled -}}true{{- end -}}
{{- end -}}

{{/* The dashboard's objects: `<fullname>-dashboard` (serin-dashboard for a release named serin). */}}
{{- define "serin.dashboard.fullname" -}}
{{- printf "%s-dashboard" (include "serin.fullname" . | trunc 53 | trimSuffix "-") -}}
{{- end -}}

{{/*
What selects the dashboard's pods. Its own name, so neither the operator's Service, PodMonitor nor
PodDisruptionBudget ever picks a dashboard pod, and the reverse.
*/}}
{{- define "serin.dashboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "serin.name" . }}-dashboard
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "serin.dashboard.labels" -}}
{{ include "serin.dashboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "serin.chart" . }}
{{- end -}}

{{/*
dashboard.* combinations the schema cannot say clearly: each stops the install with the key and the fix.
*/}}
{{- define "serin.dashboard.validate" -}}
{{- $d := .Values.dashboard -}}
{{- if and $d.authProxyGroupsHeader (not $d.authProxyHeader) -}}
{{- fail "dashboard.authProxyGroupsHeader needs dashboard.authProxyHeader too: the groups header is read only from the proxy that also sets the user" -}}
{{- end -}}
{{- if and $d.ingress.enabled (not $d.ingress.host) -}}
{{- fail "dashboard.ingress.enabled=true needs dashboard.ingress.host: the name viewers open (e.g. serin.example.com)" -}}
{{- end -}}
{{- end -}}
