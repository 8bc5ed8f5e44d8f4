#!/usr/bin/env bash
# Signing keys and the gateway's session secret for the dev overlay, in the layout `make run`
# uses (deploy/local/platform.sh): one Ed25519 pair `<issuer>.1.key.pem` / `<issuer>.1.pub.pem`
# per service, the gateway and ops, made by the kit's own tool (python -m linli.common.tokens).
#   k8s/scripts/dev-keys.sh [DIR]     DIR defaults to k8s/components/signing-keys/keys
# Existing keys are kept (run it before every `kustomize build k8s/overlays/dev`; it is cheap).
# The folder is git-ignored: private keys are never committed. Production clusters get their
# Secrets from the operator instead (k8s/README.md, "Secrets").
set -euo pipefail
K8S="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$K8S/.." && pwd)"
DIR="${1:-$K8S/components/signing-keys/keys}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
ISSUERS=(organizations volunteers requests notifications gateway ops)

if ! "$PY" -c 'import linli.common.tokens' 2>/dev/null; then
  echo "dev-keys.sh: $PY cannot import linli.common.tokens; run 'make python-deps' first (or set PYTHON)" >&2
  exit 1
fi
mkdir -p "$DIR"
chmod 700 "$DIR"
"$PY" -m linli.common.tokens keys "$DIR" "${ISSUERS[@]}" | sed 's/^/[dev-keys] /' >&2
secret="$DIR/gateway-session.secret"
[[ -s "$secret" ]] || (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$secret")
# The component names `<issuer>.1.*`: a rotated key (`<issuer>.2`) needs the component edited too.
for issuer in "${ISSUERS[@]}"; do
  [[ -f "$DIR/$issuer.1.key.pem" && -f "$DIR/$issuer.1.pub.pem" ]] || {
    echo "dev-keys.sh: $DIR has no $issuer.1 key pair (rotated by hand?)" >&2
    exit 1
  }
done
echo "[dev-keys] keys and session secret in $DIR" >&2
# The dev MongoDB users' passwords too (k8s/infra/components/dev), so this one script readies
# the dev overlay.
bash "$K8S/infra/scripts/dev-passwords.sh" | sed 's/^/[dev-keys] /' >&2
