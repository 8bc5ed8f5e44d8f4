#!/usr/bin/env bash
# Generates the MongoDB user passwords the dev overlay turns into Secrets
# (k8s/infra/components/dev: linli-mongodb-<user>-password), one random password per user,
# into k8s/infra/components/dev/passwords/ (git-ignored). Existing files are kept, so running
# it again changes nothing. Production passwords are created by the platform's operator
# instead (deploy/README.md, "Secrets").
set -euo pipefail

out="${1:-$(cd "$(dirname "$0")/../components/dev" && pwd)/passwords}"
mkdir -p "$out"
umask 077
for user in organizations volunteers requests notifications gateway backup; do
  file="$out/$user.password"
  if [ ! -s "$file" ]; then
    # hex: nothing that needs escaping in a connection string or a shell
    python3 -c 'import secrets, sys; sys.stdout.write(secrets.token_hex(24))' > "$file"
  fi
done
echo "dev MongoDB passwords in $out"
