#!/usr/bin/env bash
# Security and template scans of the provider stack. Run from the repository root:
#
#   bash .ci/scan.sh                 # uses .venv/bin/python
#   PY=/path/to/python bash .ci/scan.sh
#
# Scans (each prints one result line; the script runs them all and exits non-zero if any failed):
#   checkov    template.yaml, no failed checks (every skip is written in the template with a reason);
#              installed from its lock (requirements/checkov.txt, hashes; by .venv's uv) in its own venv
#              .venv-checkov because it pins its own boto3
#   bandit     layers/sagemaker_rollout and src/ (the tools and the test kit too), no issue of medium+ severity
#   pip-audit  the runtime lock (layers/requirements.txt: exactly what `sam build` puts in the layer), against PyPI
#   sam        sam validate --lint (sam from .venv-tools, requirements/tools.txt)
#   cfn-lint   cfn-lint template.yaml
set -euo pipefail

PY="${PY:-.venv/bin/python}"
BIN="$(dirname "$PY")"
TOOLS_BIN="${TOOLS_BIN:-.venv-tools/bin}"
RUNTIME_LOCK="${RUNTIME_LOCK:-layers/requirements.txt}"
CHECKOV_LOCK="${CHECKOV_LOCK:-requirements/checkov.txt}"
UV="${UV:-$BIN/uv}"
CHECKOV_VENV="${CHECKOV_VENV:-.venv-checkov}"
CHECKOV_PYTHON="${CHECKOV_PYTHON:-$(command -v python3.12 || echo "$PY")}"
PIP_AUDIT_TIMEOUT="${PIP_AUDIT_TIMEOUT:-300}"
export SAM_CLI_TELEMETRY=0

if [[ ! -f template.yaml || ! -d layers/sagemaker_rollout ]]; then
    echo "scan.sh: run from the repository root" >&2
    exit 2
fi

failures=0
started=$SECONDS
log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT

# report NAME STATUS DETAIL LOG: one line; on failure the scan's own output follows.
report() {
    local name=$1 status=$2 detail=$3 log=$4
    printf '%-9s %-4s %s\n' "$name" "$status" "$detail"
    if [[ $status != ok ]]; then
        failures=$((failures + 1))
        sed 's/^/    /' "$log"
    fi
}

# ---------------------------------------------------------------- checkov ---------------------
scan_checkov() {
    local log="$log_dir/checkov.log" t0=$SECONDS
    # The venv is rebuilt whenever the lock changes (its copy of the lock is the marker).
    if [[ ! -x "$CHECKOV_VENV/bin/checkov" ]] || ! cmp -s "$CHECKOV_LOCK" "$CHECKOV_VENV/installed.lock"; then
        rm -rf "$CHECKOV_VENV"
        if ! { "$CHECKOV_PYTHON" -m venv --without-pip "$CHECKOV_VENV" \
            && "$UV" pip install --quiet --require-hashes \
                --python "$CHECKOV_VENV/bin/python" -r "$CHECKOV_LOCK" \
            && cp "$CHECKOV_LOCK" "$CHECKOV_VENV/installed.lock"; } >"$log" 2>&1; then
            report checkov FAIL "could not install $CHECKOV_LOCK into $CHECKOV_VENV" "$log"
            return
        fi
    fi
    local version
    version="$("$CHECKOV_VENV/bin/checkov" --version 2>/dev/null || echo '?')"
    # --skip-download: no call to the Prisma Cloud API (guidelines, policy metadata).
    if "$CHECKOV_VENV/bin/checkov" --file template.yaml --framework cloudformation \
        --skip-download --compact --quiet >"$log" 2>&1; then
        local summary
        summary="$(grep -m1 -o 'Passed checks: .*' "$log" || echo 'no findings')"
        report checkov ok "$summary ($((SECONDS - t0)) s, checkov $version)" "$log"
    else
        report checkov FAIL "$(grep -m1 -o 'Passed checks: .*' "$log" || echo 'checkov failed')" "$log"
    fi
}

# ----------------------------------------------------------------- bandit ---------------------
scan_bandit() {
    local log="$log_dir/bandit.log" t0=$SECONDS
    if "$PY" -m bandit --recursive layers/sagemaker_rollout src \
        --severity-level medium --quiet --format txt >"$log" 2>&1; then
        report bandit ok "no issue of medium or high severity ($((SECONDS - t0)) s)" "$log"
    else
        report bandit FAIL "issues of medium or high severity (or bandit error)" "$log"
    fi
}

# -------------------------------------------------------------- pip-audit ---------------------
# pip-audit reads the runtime lock (every release pinned with its hashes: no resolution, no pip,
# exactly what `sam build` puts in the layer) and asks PyPI's per-version JSON API for known
# vulnerabilities. Where that endpoint is not served (some PyPI mirrors/proxies answer 404)
# pip-audit skips the dependency; the fallback below then reads the project-level JSON, whose
# "vulnerabilities" list describes the latest release, and uses it when the locked version IS the
# latest. Anything still unaudited is reported as WARN (PIP_AUDIT_REQUIRE_ALL=1 turns that into a
# failure).
scan_pip_audit() {
    local log="$log_dir/pip-audit.log" json="$log_dir/pip-audit.json" t0=$SECONDS rc=0
    timeout "$PIP_AUDIT_TIMEOUT" "$PY" -m pip_audit --requirement "$RUNTIME_LOCK" --require-hashes \
        --disable-pip --progress-spinner off --format json --output "$json" >"$log" 2>&1 || rc=$?
    if [[ $rc -eq 124 ]]; then
        report pip-audit FAIL "timed out after ${PIP_AUDIT_TIMEOUT} s" "$log"
        return
    fi
    if [[ ! -s $json ]]; then
        report pip-audit FAIL "pip-audit error (exit $rc)" "$log"
        return
    fi
    local verdict
    verdict="$(timeout 120 "$PY" - "$json" "${PIP_AUDIT_REQUIRE_ALL:-0}" 2>>"$log" <<'PYEOF'
import json
import re
import sys
import urllib.request

report = json.load(open(sys.argv[1], encoding="utf-8"))
require_all = sys.argv[2] == "1"
audited, vulnerable, unaudited = [], [], []
for dep in report["dependencies"]:
    name = dep["name"]
    if "skip_reason" not in dep:
        audited.append(name)
        vulnerable += [f"{name} {dep['version']}: {v['id']}" for v in dep.get("vulns", [])]
        continue
    match = re.search(r"\(([^()]+)\)$", dep["skip_reason"])
    version = match.group(1) if match else None
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as resp:
            project = json.load(resp)
    except Exception as err:  # any failure leaves the dependency unaudited
        unaudited.append(f"{name} ({err.__class__.__name__})")
        continue
    if version is None or project["info"]["version"] != version:
        unaudited.append(f"{name} {version} (not the latest release)")
        continue
    audited.append(name)
    vulnerable += [f"{name} {version}: {v['id']}" for v in project.get("vulnerabilities") or []]
total = len(audited) + len(unaudited)
if vulnerable:
    print(f"FAIL known vulnerabilities: {'; '.join(vulnerable)}")
elif unaudited:
    status = "FAIL" if require_all else "WARN"
    print(f"{status} no known vulnerabilities in {len(audited)}/{total} audited; "
          f"not audited: {', '.join(unaudited)}")
else:
    print(f"ok no known vulnerabilities ({len(audited)}/{total} dependencies audited)")
PYEOF
)" || verdict="FAIL could not evaluate the pip-audit report"
    local status=${verdict%% *} detail=${verdict#* }
    if [[ $status == WARN ]]; then
        printf '%-9s %-4s %s\n' pip-audit WARN "$RUNTIME_LOCK: $detail ($((SECONDS - t0)) s)"
    else
        report pip-audit "$status" "$RUNTIME_LOCK: $detail ($((SECONDS - t0)) s)" "$log"
    fi
}

# -------------------------------------------------------------- sam / cfn-lint ----------------
scan_sam() {
    local log="$log_dir/sam.log" t0=$SECONDS
    if "$TOOLS_BIN/sam" validate --lint --region us-east-1 --template-file template.yaml >"$log" 2>&1; then
        report sam ok "sam validate --lint: valid ($((SECONDS - t0)) s)" "$log"
    else
        report sam FAIL "sam validate --lint reported problems" "$log"
    fi
}

scan_cfn_lint() {
    local log="$log_dir/cfn-lint.log" t0=$SECONDS
    if "$BIN/cfn-lint" template.yaml >"$log" 2>&1; then
        report cfn-lint ok "template.yaml: no errors or warnings ($((SECONDS - t0)) s)" "$log"
    else
        report cfn-lint FAIL "template.yaml: findings" "$log"
    fi
}

scan_checkov
scan_bandit
scan_pip_audit
scan_sam
scan_cfn_lint

if [[ $failures -ne 0 ]]; then
    echo "scan: $failures scan(s) failed ($((SECONDS - started)) s)"
    exit 1
fi
echo "scan: all passed ($((SECONDS - started)) s)"
