#!/bin/sh
# Registration benchmark (not a test): starts the real daemon on loopback
# ports with USERS generated Digest subscribers, drives Digest REGISTER ->
# 401 -> REGISTER -> 200 through the P-CSCF to the embedded core with sipp
# for at most DURATION seconds, and prints registrations per second,
# failures, and the daemon's VmRSS before and after with bytes per binding.
# Usage: bench/bench_register.sh [SBCEMU] ; env USERS (5000), DURATION (20),
# RATE (calls/s offered, 3000), SETTLE (seconds to wait afterwards, 0): with
# SETTLE above 120 the response cache (32 s) and challenges (120 s) have
# expired, and the second VmRSS figure is what the registrations keep.
set -eu
BIN=${1:-./sbcemu}
USERS=${USERS:-5000}
DURATION=${DURATION:-20}
RATE=${RATE:-3000}
HERE=$(cd "$(dirname "$0")" && pwd)
DOMAIN=bench.example.org
DIR=$(mktemp -d /tmp/sbcemu-bench-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# Free loopback ports: bind 0, read, close.
free_port() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}
TELNET=$(free_port SOCK_STREAM); SSH=$(free_port SOCK_STREAM)
SIP=$(free_port SOCK_DGRAM); UE=$(free_port SOCK_DGRAM)

{
	echo '<sbcemu-config version="1">'
	echo "<management-access telnet-port=\"$TELNET\" ssh-port=\"$SSH\"/>"
	echo '<realm-config identifier="realm01"/>'
	echo "<sip-interface realm-id=\"realm01\"><sip-port address=\"127.0.0.1\" port=\"$SIP\" transport-protocol=\"UDP\"/></sip-interface>"
	echo "<ims-core home-domain=\"$DOMAIN\" max-expires=\"3600\"/>"
	i=1
	while [ "$i" -le "$USERS" ]; do
		printf '<ims-subscriber impi="u%07d@%s" impu="sip:u%07d@%s" auth-scheme="digest" password="pw%d"/>\n' \
			"$i" "$DOMAIN" "$i" "$DOMAIN" "$i"
		i=$((i + 1))
	done
	echo '</sbcemu-config>'
} > "$DIR/boot.xml"
{
	echo SEQUENTIAL
	i=1
	while [ "$i" -le "$USERS" ]; do
		printf 'u%07d;[authentication username=u%07d@%s password=pw%d]\n' "$i" "$i" "$DOMAIN" "$i"
		i=$((i + 1))
	done
} > "$DIR/users.csv"

"$BIN" --foreground --log-level warn --data-dir "$DIR/data" --config "$DIR/boot.xml" \
	> "$DIR/daemon.log" 2>&1 &
PID=$!
# Ready means the SIP port answers: its listeners are bound by the initial
# apply, which ends by returning start-up garbage to the kernel (bounded, 120 s).
probe='import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
m = ("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKready\r\n"
     "From: <sip:probe@x>;tag=1\r\nTo: <sip:probe@x>\r\nCall-ID: ready\r\nCSeq: 1 OPTIONS\r\n"
     "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
s.sendto(m.encode(), ("127.0.0.1", int(sys.argv[1]))); s.recv(4096)'
n=0
until python3 -c "$probe" "$SIP" 2>/dev/null; do
	n=$((n + 1)); [ "$n" -lt 600 ] || { echo "daemon not ready"; cat "$DIR/daemon.log"; exit 1; }
	kill -0 "$PID" || { cat "$DIR/daemon.log"; exit 1; }
done
rss() { awk '/VmRSS/ { print $2 }' "/proc/$PID/status"; }
RSS0=$(rss)
START=$(date +%s.%N)
sipp "127.0.0.1:$SIP" -sf "$HERE/register_bench.xml" -inf "$DIR/users.csv" -t u1 \
	-i 127.0.0.1 -p "$UE" -key domain "$DOMAIN" -r "$RATE" -m "$USERS" \
	-timeout "${DURATION}s" -nostdin -trace_stat -stf "$DIR/stat.csv" -fd 3600 \
	> /dev/null 2>&1 || true
END=$(date +%s.%N)
RSS1=$(rss)
SETTLE=${SETTLE:-0}
RSS2=$RSS1
if [ "$SETTLE" -gt 0 ]; then
	python3 -c 'import sys, time; time.sleep(float(sys.argv[1]))' "$SETTLE"
	RSS2=$(rss)
fi
# Last line of sipp's statistics file: SuccessfulCall(C) and FailedCall(C).
OK=$(awk -F';' 'NR==1 { for (i = 1; i <= NF; i++) if ($i == "SuccessfulCall(C)") s = i; if (!s) exit }
	END { print $s }' s=0 "$DIR/stat.csv" 2>/dev/null || echo 0)
FAIL=$(awk -F';' 'NR==1 { for (i = 1; i <= NF; i++) if ($i == "FailedCall(C)") f = i }
	END { print $f }' "$DIR/stat.csv" 2>/dev/null || echo 0)
awk -v ok="$OK" -v fail="$FAIL" -v s="$START" -v e="$END" -v r0="$RSS0" -v r1="$RSS1" \
	-v r2="$RSS2" -v settle="$SETTLE" -v users="$USERS" 'BEGIN {
	t = e - s
	printf "users %d, elapsed %.2f s\n", users, t
	printf "registrations %d, failures %d, %.0f registrations/s\n", ok, fail, ok / t
	printf "VmRSS before %d KiB, after %d KiB\n", r0, r1
	if (ok > 0)
		printf "%.0f bytes per registration (binding, challenge and 32 s response cache included)\n", (r1 - r0) * 1024 / ok
	if (ok > 0 && settle > 0)
		printf "after %d s: VmRSS %d KiB, %.0f bytes per registration kept\n", settle, r2, (r2 - r0) * 1024 / ok
	if (r1 < r0 || r2 < r0)
		print "(below the start: the bindings went into heap the configuration load had freed," \
			" which glibc kept; with such large configurations read the totals)"
}'
