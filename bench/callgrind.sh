#!/bin/sh
# Instructions per registration (issue 7), repeatable where timings are
# not: sbcemu (Digest through the P-CSCF to the embedded core, (a)) and
# Kamailio (bench/kamailio-registrar.cfg without and with Digest) run under
# `valgrind --tool=callgrind`, sipp sends N1 and then, on a fresh start, N2
# registrations (one at a time, -l 1), and (Ir(N2) - Ir(N1)) / (N2 - N1) is
# what one registration costs: start-up, shutdown and idle ticks cancel.
# Kamailio's processes (it forks its workers) are summed. Two figures:
# whole processes, and the SIP message path alone (see run below).
# Usage: bench/callgrind.sh [SBCEMU] ; env N1 (100), N2 (300), KAMAILIO.
# Prints `BENCH compare callgrind.<system> <Ir> instructions/registration`.
set -eu
BIN=${1:-./sbcemu}
N1=${N1:-100}
N2=${N2:-300}
KAMAILIO=${KAMAILIO:-kamailio}
HERE=$(cd "$(dirname "$0")" && pwd)
DOMAIN=bench.ims.example.org
USERS=$N2
DIR=$(mktemp -d /tmp/sbcemu-callgrind-XXXXXX)
PID=
cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	[ -n "${KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

free_port() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}
# Ready when the SIP port answers an OPTIONS (Kamailio: 405), 300 s bound
# (valgrind is slow to start).
probe='import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
m = ("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bKcg\r\n"
     "From: <sip:probe@x>;tag=1\r\nTo: <sip:probe@x>\r\nCall-ID: cg\r\nCSeq: 1 OPTIONS\r\n"
     "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
s.sendto(m.encode(), ("127.0.0.1", int(sys.argv[1]))); s.recv(4096)'
wait_ready() {
	tries=0
	until python3 -c "$probe" "$1" 2>/dev/null; do
		tries=$((tries + 1)); [ "$tries" -lt 600 ] || { echo "not ready"; return 1; }
		kill -0 "$PID" || return 1
	done
}

{
	echo SEQUENTIAL
	i=0
	while [ "$i" -lt "$USERS" ]; do
		printf 'd%d;[authentication username=d%d@%s password=pw%d]\n' "$i" "$i" "$DOMAIN" "$i"
		i=$((i + 1))
	done
} > "$DIR/users.csv"
TELNET=$(free_port SOCK_STREAM); SSH=$(free_port SOCK_STREAM)
{
	echo '<sbcemu-config version="1">'
	echo "<management-access telnet-port=\"$TELNET\" ssh-port=\"$SSH\"/>"
	echo '<realm-config identifier="realm01"/>'
	echo "<sip-interface realm-id=\"realm01\"><sip-port address=\"127.0.0.1\" port=\"@SIP@\" transport-protocol=\"UDP\"/></sip-interface>"
	echo "<ims-core home-domain=\"$DOMAIN\" max-expires=\"3600\"/>"
	i=0
	while [ "$i" -lt "$USERS" ]; do
		printf '<ims-subscriber impi="d%d@%s" impu="sip:d%d@%s" auth-scheme="digest" password="pw%d"/>\n' \
			"$i" "$DOMAIN" "$i" "$DOMAIN" "$i"
		i=$((i + 1))
	done
	echo '</sbcemu-config>'
} > "$DIR/boot.tmpl"

# run SYSTEM N: total Ir of SYSTEM (sbcemu, kamailio, kamailio-auth)
# serving N registrations.
run() {
	sys=$1; n=$2; out="$DIR/$sys-$n"
	mkdir -p "$out"
	SIP=$(free_port SOCK_DGRAM); UE=$(free_port SOCK_DGRAM)
	case $sys in
	sbcemu)
		sed "s/@SIP@/$SIP/" "$DIR/boot.tmpl" > "$out/boot.xml"
		# sbcemu re-executes itself with this set (core/sbc_malloc_tune.c),
		# but not under valgrind: give it here, so the count is of the daemon as it runs.
		GLIBC_TUNABLES=glibc.malloc.tcache_count=200 \
		valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$BIN" --foreground \
			--log-level warn --data-dir "$out/data" --config "$out/boot.xml" \
			> "$out/log" 2>&1 &
		SCEN=register_bench.xml ;;
	kamailio*)
		auth=; [ "$sys" = kamailio-auth ] && auth="-A WITH_AUTH"
		# shellcheck disable=SC2086
		valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$KAMAILIO" \
			-f "$HERE/kamailio-registrar.cfg" -DD -E -m 256 -M 16 -x tlsf -X tlsf \
			-l "udp:127.0.0.1:$SIP" -A "USERS=$USERS" $auth > "$out/log" 2>&1 &
		SCEN=register_bench.xml; [ -z "$auth" ] && SCEN=register_noauth.xml ;;
	esac
	PID=$!
	wait_ready "$SIP" || { cat "$out/log" >&2; exit 1; }
	sipp "127.0.0.1:$SIP" -sf "$HERE/$SCEN" -inf "$DIR/users.csv" -t u1 -i 127.0.0.1 \
		-p "$UE" -key domain "$DOMAIN" -l 1 -r 1000 -m "$n" -timeout 300s -nostdin \
		> "$out/sipp.log" 2>&1 || { echo "sipp failed against $sys" >&2; exit 1; }
	kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
	# Whole processes, and the SIP message path alone (inclusive cost of
	# the function every received message goes through), which leaves
	# out the timers that tick while valgrind is slow.
	total=0; path=0
	case $sys in sbcemu) fn=sbc_sip_handle_message ;; *) fn=receive_msg ;; esac
	for f in "$out"/cg.*; do
		ir=$(awk '/^summary:/ { print $2 }' "$f")
		p=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null |
			awk -v fn=":$fn " 'index($0, fn) && !done { gsub(",", "", $1); print $1; done = 1 }')
		total=$((total + ${ir:-0})); path=$((path + ${p:-0}))
	done
	echo "$total $path"
}

printf '%-15s %14s %14s %10s %14s %14s %10s\n' system "Ir($N1)" "Ir($N2)" "Ir/reg" \
	"path($N1)" "path($N2)" "path/reg"
for sys in sbcemu kamailio kamailio-auth; do
	a=$(run "$sys" "$N1"); b=$(run "$sys" "$N2")
	ta=${a% *}; pa=${a#* }; tb=${b% *}; pb=${b#* }
	per=$(( (tb - ta) / (N2 - N1) )); pper=$(( (pb - pa) / (N2 - N1) ))
	printf '%-15s %14d %14d %10d %14d %14d %10d\n' "$sys" "$ta" "$tb" "$per" "$pa" "$pb" "$pper"
	echo "BENCH compare callgrind.process.$sys $per instructions/registration"
	echo "BENCH compare callgrind.sip_path.$sys $pper instructions/registration"
done
