#!/usr/bin/env bash
# `npm run check`: the whole suite, on its own, on a fresh machine.
#
# 1. Finds every server the tests need (Redis, RabbitMQ, etcd, nginx,
#    Chromium); installs a missing one with apt-get when it runs as root,
#    else stops here with one line naming what is missing and how to get it.
# 2. Installs the workspace, lints and typechecks, and tests the new-bff
#    generator (it needs no server).
# 3. Starts what is not running: its own etcd (always: loopback, free
#    ports, a throwaway data dir), Redis on a free port and RabbitMQ when
#    nothing answers on their usual ports.
# 4. Runs every test of every package (none is skipped: a test whose server
#    is missing fails), prints one closing line over all of them, and stops
#    what it started, also on Ctrl-C or a failure.
#
# Preset REDIS_URL, AMQP_URL, ETCD_ENDPOINTS, PORTICO_NGINX or PORTICO_BROWSER
# are used as they are.
set -uo pipefail
cd "$(dirname "$0")/.."

PNPM=(npx -y pnpm@12.4.2)
say() { echo "check: $*" >&2; }
answers() { (echo >"/dev/tcp/$1/$2") 2>/dev/null; } # host port
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]]; }

# --- 1. What the suite needs, and the Debian package that brings it ---------
missing_cmds=() missing_pkgs=()
need() { # command package
  if ! have "$1"; then missing_cmds+=("$1") missing_pkgs+=("$2"); fi
}
if [[ -z "${REDIS_URL:-}" ]] && ! answers 127.0.0.1 6379; then need redis-server redis-server; fi
if [[ -z "${AMQP_URL:-}" ]] && ! answers 127.0.0.1 5672; then need rabbitmq-server rabbitmq-server; fi
[[ -n "${ETCD_ENDPOINTS:-}" ]] || need etcd etcd-server
[[ -n "${PORTICO_NGINX:-}" ]] || need nginx nginx
browser="${PORTICO_BROWSER:-/usr/bin/chromium}"
[[ -x "$browser" ]] || { missing_cmds+=("chromium") missing_pkgs+=("chromium"); }

if ((${#missing_pkgs[@]} > 0)); then
  if [[ "$(id -u)" == 0 ]] && have apt-get; then
    say "installing ${missing_pkgs[*]} (apt-get)"
    apt_log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_pkgs[@]}"; } >"$apt_log" 2>&1; then
      say "missing ${missing_cmds[*]}; apt-get could not install ${missing_pkgs[*]} (its output: $apt_log)"
      exit 1
    fi
    rm -f "$apt_log"
  else
    say "missing ${missing_cmds[*]}; install with: sudo apt-get install -y ${missing_pkgs[*]}"
    exit 1
  fi
fi

# --- 2. Install, lint, typecheck, the generator ------------------------------
"${PNPM[@]}" install --frozen-lockfile || exit 1
"${PNPM[@]}" run lint || exit 1
"${PNPM[@]}" run typecheck || exit 1
# `pnpm new-bff` in a copy of the repository: the app it makes builds, passes
# its tests and starts. Needs core and test-support built: the typecheck did.
"${PNPM[@]}" run test:new-bff || exit 1

# --- 3. Servers: started here are stopped here, by PID ----------------------
scratch=$(mktemp -d)
pids=() started_rabbit=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [[ -n "$started_rabbit" ]]; then rabbitmqctl stop >/dev/null 2>&1; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_until() { # what seconds command...
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@"; do
    if ((SECONDS > deadline)); then say "$what did not come up"; return 1; fi
    sleep 0.5
  done
}

if [[ -z "${REDIS_URL:-}" ]] && ! answers 127.0.0.1 6379; then
  port=$(free_port)
  say "starting redis on 127.0.0.1:$port"
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$scratch" \
    --logfile "$scratch/redis.log" &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$port"
  wait_until redis 30 answers 127.0.0.1 "$port" || exit 1
fi

if [[ -z "${AMQP_URL:-}" ]] && ! answers 127.0.0.1 5672; then
  say "starting rabbitmq on 127.0.0.1:5672"
  rabbitmq-server -detached >"$scratch/rabbitmq.log" 2>&1
  started_rabbit=1
  wait_until rabbitmq 120 answers 127.0.0.1 5672 || exit 1
fi

if [[ -z "${ETCD_ENDPOINTS:-}" ]]; then
  client_port=$(free_port) peer_port=$(free_port)
  say "starting etcd on 127.0.0.1:$client_port"
  etcd --name check --data-dir "$scratch/etcd" --log-level error \
    --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "check=http://127.0.0.1:$peer_port" >"$scratch/etcd.log" 2>&1 &
  pids+=($!)
  export ETCD_ENDPOINTS="http://127.0.0.1:$client_port"
  # Ready once its health check answers, not merely once the port is open.
  etcd_healthy() {
    node -e 'fetch(process.argv[1] + "/health").then((r) => r.json()).then((j) => process.exit(j.health === "true" ? 0 : 1), () => process.exit(1))' "$ETCD_ENDPOINTS"
  }
  wait_until etcd 30 etcd_healthy || { cat "$scratch/etcd.log" >&2; exit 1; }
fi
export PORTICO_BROWSER="$browser"

# --- 4. Every test ----------------------------------------------------------
log="$scratch/test.log"
"${PNPM[@]}" run test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One closing line over every package's vitest summary.
node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8");
  let passed = 0, failed = 0, skipped = 0;
  for (const m of text.matchAll(/Tests\s+(.*)\((\d+)\)/g)) {
    for (const [, n, kind] of m[1].matchAll(/(\d+) (passed|failed|skipped|todo)/g)) {
      if (kind === "passed") passed += +n; else if (kind === "failed") failed += +n; else skipped += +n;
    }
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  // A skipped test is not a pass.
  if (skipped > 0 && process.argv[2] === "0") process.exit(1);
' "$log" "$status" || { say "tests were skipped; every test must run"; status=1; }
exit "$status"
