#!/usr/bin/env bash
# Everything the end-to-end tests need, for CI and developers alike (idempotent, cached in .tools/):
#   - Debian packages: chromium (driven by playwright-core) and libkrb5-dev (code-server's native module)
#   - Node 24 from the npm package `node@24`: code-server 4.139 refuses older Node, the project uses 20
#   - code-server, installed outside the project's node_modules (its postinstall rejects Node 20)
#   - the extension packaged as a .vsix and installed into a fresh extensions folder
# Prints nothing else on success but one line per step, so CI logs stay readable.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "e2e-setup: missing Debian packages: ${need[*]} (install them as root: apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "e2e-setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# When this runs under `npm test`, the outer npm has exported its configuration to us as npm_config_*
# variables (and npm_package_*, npm_lifecycle_*, ...), and a child npm reads npm_config_* back as its
# own configuration. code-server's postinstall takes the Node version from npm_config_user_agent,
# so an inherited "npm/… node/v20…" made it refuse Node 24 on a fresh clone. The tools' installs run
# with none of the outer npm's variables; Node 24 comes first on PATH, so npm itself runs on it too
# (the node@24 package ships the binary only, no npm of its own).
own_npm() {
  local drop=() v
  for v in $(compgen -e); do
    case $v in npm_* | NPM_* | INIT_CWD | NODE) drop+=(-u "$v") ;; esac
  done
  env "${drop[@]}" npm "$@"
}

NODE24_DIR=$TOOLS/node$NODE_MAJOR
node24() { ls "$NODE24_DIR"/node_modules/node/bin/node 2>/dev/null || ls "$NODE24_DIR"/node_modules/.bin/node 2>/dev/null; }
if ! { n=$(node24) && "$n" --version | grep -q "^v$NODE_MAJOR\."; }; then
  echo "e2e-setup: installing Node $NODE_MAJOR into $NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  own_npm install --prefix "$NODE24_DIR" --no-save --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" >/dev/null
fi
NODE24_BIN=$(dirname "$(node24)")
"$NODE24_BIN/node" --version | grep -q "^v$NODE_MAJOR\." || { echo "e2e-setup: Node $NODE_MAJOR did not install" >&2; exit 1; }

CS_DIR=$TOOLS/code-server
CS_BIN=$CS_DIR/node_modules/.bin/code-server
if ! { [ -x "$CS_BIN" ] && grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CS_DIR/node_modules/code-server/package.json" 2>/dev/null; }; then
  echo "e2e-setup: installing code-server $CODE_SERVER_VERSION into $CS_DIR (builds a native module, a few minutes)"
  mkdir -p "$CS_DIR"
  # Node 24 first on PATH only here and when code-server runs.
  PATH="$NODE24_BIN:$PATH" own_npm install --prefix "$CS_DIR" --no-save --no-audit --no-fund --loglevel=error \
    "code-server@$CODE_SERVER_VERSION" >"$TOOLS/code-server-install.log" 2>&1 \
    || { tail -30 "$TOOLS/code-server-install.log" >&2; echo "e2e-setup: code-server install failed (log: $TOOLS/code-server-install.log)" >&2; exit 1; }
fi

# The extension under test: built for production, packaged, installed into a fresh folder
# (code-server ignores extensions copied in by hand).
echo "e2e-setup: packaging the extension"
npm run --silent package >"$TOOLS/package.log" 2>&1 || { cat "$TOOLS/package.log" >&2; exit 1; }
VSIX=$ROOT/deepresolve.vsix
E2E=$TOOLS/e2e
rm -rf "$E2E/extensions"
mkdir -p "$E2E/extensions"
PATH="$NODE24_BIN:$PATH" "$CS_BIN" --extensions-dir "$E2E/extensions" --install-extension "$VSIX" >"$TOOLS/install-extension.log" 2>&1 \
  || { cat "$TOOLS/install-extension.log" >&2; exit 1; }
echo "e2e-setup: ready (vsix $(du -k "$VSIX" | cut -f1) KB, code-server $CODE_SERVER_VERSION, node $("$NODE24_BIN/node" --version))"

# What the test harness reads to start code-server.
cat >"$E2E/env.json" <<EOF
{"node24Bin": "$NODE24_BIN", "codeServer": "$CS_BIN", "extensionsDir": "$E2E/extensions", "vsix": "$VSIX"}
EOF
