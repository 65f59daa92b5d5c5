#!/bin/sh
# Three do86 serve nodes on one machine, as one cluster.
#
#   deploy/local/three-nodes.sh nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224
#       nodes on a NATS (JetStream) cluster you started;
#   deploy/local/three-nodes.sh embedded
#       each node runs a NATS server of its own, routed to the other two.
#
# Open http://127.0.0.1:8081/, :8082/ or :8083/: every node serves every
# session. Ctrl-C stops all three (each saves its sessions first).
set -eu
DO86=${DO86:-do86}
NATS=${1:-embedded}
DIR=${DO86_CLUSTER_DIR:-${TMPDIR:-/tmp}/do86-cluster}
mkdir -p "$DIR"
pids=""
trap 'kill $pids 2>/dev/null; wait' INT TERM EXIT
for i in 1 2 3; do
	if [ "$NATS" = embedded ]; then
		routes=""
		for j in 1 2 3; do
			[ "$j" = "$i" ] || routes="$routes --nats-route nats-route://127.0.0.1:622$j"
		done
		# shellcheck disable=SC2086
		"$DO86" serve --listen 127.0.0.1:808$i --node node$i --cluster-embedded \
			--nats-listen 127.0.0.1:422$i --nats-cluster-listen 127.0.0.1:622$i $routes \
			--nats-dir "$DIR/nats$i" &
	else
		"$DO86" serve --listen 127.0.0.1:808$i --node node$i --cluster "$NATS" &
	fi
	pids="$pids $!"
done
wait
