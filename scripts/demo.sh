#!/usr/bin/env bash
# Rookery on loopback: builds feedpub, hub and reader, then runs the whole
# system with fresh SQLite files in a scratch directory: two authors' sites,
# a WebSub hub and a reader daemon. It publishes a post, a reply and a
# mention, and shows what the reader sees as they arrive by push.
#
#   scripts/demo.sh             run, then keep everything up until Ctrl-C
#   scripts/demo.sh --no-wait   run, show, stop (for scripts and tests)
#   scripts/demo.sh --keep      keep the scratch directory when it stops
#
# Ports: ROOKERY_DEMO_PORT (default 18000) and it plus 1, 2, 70 and 80.
# Scratch directory: ROOKERY_DEMO_DIR (kept), else a new temporary
# directory, removed when the demo stops unless --keep is given.
set -euo pipefail
cd "$(dirname "$0")/.."

wait_at_end=1 keep=0
for arg in "$@"; do
  case $arg in
    --no-wait) wait_at_end=0 ;;
    --keep) keep=1 ;;
    *) echo "demo: unknown argument $arg; usage: scripts/demo.sh [--no-wait] [--keep]" >&2; exit 2 ;;
  esac
done

port=${ROOKERY_DEMO_PORT:-18000}
if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1024 ] || [ "$port" -gt 65455 ]; then
  echo "demo: ROOKERY_DEMO_PORT=$port: give a number from 1024 to 65455 (the demo uses it plus 1, 2, 70 and 80)" >&2
  exit 2
fi
if [ -n "${ROOKERY_DEMO_DIR:-}" ]; then
  work=$ROOKERY_DEMO_DIR keep=1
else
  work=$(mktemp -d -t rookery-demo.XXXXXX)
fi
mkdir -p "$work/bin" "$work/logs"
hub=127.0.0.1:$((port + 80)) reader=127.0.0.1:$((port + 70))
alice=127.0.0.1:$((port + 1)) bob=127.0.0.1:$((port + 2))

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# quote prints its arguments as a shell would read them back (printf %q),
# so that a shown command can be copied and run as it is.
quote() { local q; printf -v q '%q ' "$@"; printf '%s' "${q% }"; }
show() { printf '\033[2m$ %s\033[0m\n' "$(quote "$@")"; "$@"; }

for p in $((port + 80)) $((port + 70)) $((port + 1)) $((port + 2)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "demo: port $p is in use; set ROOKERY_DEMO_PORT to a free range" >&2
    exit 1
  fi
done

say "Building feedpub, hub and reader into $work/bin"
go build -o "$work/bin/" ./cmd/feedpub ./cmd/hub ./cmd/reader
export PATH="$work/bin:$PATH"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
export READER_DB="$work/reader.db"
# feedpub publish commits with git: give it an identity if there is none.
git config user.email >/dev/null 2>&1 || export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@localhost \
  GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@localhost

pids=()
declare -A pid_of
cleanup() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  echo
  if [ "$keep" = 1 ]; then
    echo "Stopped. Everything is in $work (logs in $work/logs)."
  else
    rm -rf -- "$work"
    echo "Stopped. Removed $work (run with --keep to keep it)."
  fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

background() { # name, command...
  local name=$1; shift
  "$@" >"$work/logs/$name.log" 2>&1 &
  pids+=($!)
  pid_of[$name]=$!
}
wait_up_tcp() { # host:port, name given to background
  local why="nothing listens on $1 after 30s"
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null && return 0
    if ! kill -0 "${pid_of[$2]}" 2>/dev/null; then
      why="$2 exited before listening on $1"
      break
    fi
    sleep 0.1
  done
  echo "demo: $why; $work/logs/$2.log says:" >&2
  tail -20 "$work/logs/$2.log" >&2
  exit 1
}

say "Starting a WebSub hub on http://$hub/"
background hub hub --addr "$hub" --db "$work/hub.db" --allow-private
wait_up_tcp "$hub" hub

say "Creating two authors' sites"
show feedpub init "$work/alice" --title "Alice's microblog" --author alice \
  --url "http://$alice/" --hub "http://$hub/" --webmention "http://$reader/webmention"
show feedpub init "$work/bob" --title "Bob's microblog" --author bob \
  --url "http://$bob/" --hub "http://$hub/"
# Alice is the reader's owner: her site advertises her reader's Webmention
# endpoint. Bob's address book knows Alice as @alice.
printf 'alice = "http://%s/feed.atom"\n' "$alice" >>"$work/bob/feedpub.toml"
for s in alice bob; do feedpub build --dir "$work/$s" >/dev/null; done
background alice-site feedpub serve --dir "$work/alice" --addr "$alice"
background bob-site feedpub serve --dir "$work/bob" --addr "$bob"
wait_up_tcp "$alice" alice-site; wait_up_tcp "$bob" bob-site

say "Alice's reader: who she is, then the daemon that takes pushes and Webmentions"
show reader init --me "http://$alice/feed.atom"
background reader reader serve --addr "$reader" --allow-private
wait_up_tcp "$reader" reader

say "Alice writes her first post"
show feedpub post --dir "$work/alice" --tag hello "Hello world, this is my first post on Rookery."
show feedpub publish --dir "$work/alice" --interval 100ms

say "Alice follows Bob (and herself, to see whole threads)"
show reader follow "http://$bob/" --nick bob
show reader follow "http://$alice/" --nick alice
for _ in $(seq 1 100); do
  [ "$(reader following --json | grep -c '"mode": *"push"')" -ge 2 ] && break
  sleep 0.1
done
show reader following

first_url="http://$alice/posts/$(sed -n 's/^key *= *"\(.*\)"/\1/p' "$work"/alice/posts/*.md | head -1)/"

say "Bob posts; the hub pushes it to Alice's reader"
show feedpub post --dir "$work/bob" --tag rookery "Trying out Rookery: my posts live in my own git repository."
show feedpub publish --dir "$work/bob" --interval 100ms
wait_for() { # text, command...
  local text=$1; shift
  for _ in $(seq 1 50); do
    "$@" 2>/dev/null | grep -q "$text" && return 0
    sleep 0.1
  done
  return 0
}
wait_for "my own git repository" reader timeline
show reader timeline

say "Bob replies to Alice and mentions her; she hears of it by Webmention"
show feedpub post --dir "$work/bob" --reply-to "$first_url" "Welcome @alice! Replies travel as thr:in-reply-to."
show feedpub publish --dir "$work/bob" --interval 100ms
wait_for "Welcome" reader mentions
show reader mentions
show reader thread "$first_url"
show reader search rookery

if [ "$wait_at_end" = 0 ]; then
  echo
  echo "Run scripts/demo.sh without --no-wait to keep the hub, the reader and both sites up and try more."
  exit 0
fi
cat <<EOF

Everything runs on loopback; its data is in $work.
  hub          http://$hub/         (landing page, /metrics, /subscription)
  reader serve http://$reader/      (Webmention endpoint, WebSub callbacks)
  alice's site http://$alice/
  bob's site   http://$bob/

Try next (in another terminal, while this one runs):
  export $(quote "PATH=$work/bin:$PATH" "READER_DB=$work/reader.db")
  feedpub post --dir $(quote "$work/bob") 'Another post' && feedpub publish --dir $(quote "$work/bob")
  reader timeline
  reader search 'git repository' --json
  reader block bob && reader timeline
EOF

if [ "$wait_at_end" = 1 ]; then
  echo
  echo "Press Ctrl-C to stop."
  while :; do sleep 1; done
fi
