#!/usr/bin/env bash
# Import direction: host -> sdk <- builtin; plugins -> sdk. sdk/, builtin/
# and plugins/ never import host/; sdk/ never imports builtin/ or plugins/;
# only host/cmd/hops imports builtin/.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=$(go list -m)
fail=0
check() { # package pattern, forbidden import prefix
  local bad
  bad=$(go list -f '{{.ImportPath}}: {{join .Imports " "}} {{join .TestImports " "}}' "$1" 2>/dev/null \
        | awk -v p="$mod/$2" '{for (i=2;i<=NF;i++) if (index($i,p)==1) print $1" imports "$i}') || true
  if [ -n "$bad" ]; then echo "$bad"; fail=1; fi
}
check ./sdk/... host/
check ./sdk/... builtin/
check ./sdk/... plugins/
check ./builtin/... host/
check ./plugins/... host/
check ./plugins/... builtin/
bad=$(go list -f '{{.ImportPath}}: {{join .Imports " "}}' ./host/... \
      | awk -v p="$mod/builtin" -v c="$mod/host/cmd/hops" '$1 != c":" {for (i=2;i<=NF;i++) if (index($i,p)==1) print $1" imports "$i}')
if [ -n "$bad" ]; then echo "$bad (only host/cmd/hops may import builtin/)"; fail=1; fi
if [ "$fail" -ne 0 ]; then echo "depcheck: import rules broken"; exit 1; fi
echo "depcheck: ok"
