#!/bin/sh
# Issue 7: sbcemu side by side with Kamailio and Sofia-SIP, one entry point
# (`make bench-compare`, also the last step of `make bench`). Runs, from the
# build directory, every figure of bench/README.md "Comparison with
# Kamailio and Sofia-SIP": 1 registration rate (bench_compare, sipp and the
# test UE against sbcemu and two Kamailio instances, alternating), 2 hot
# apply under load, 3 memory per association and show times (bench_assoc),
# 4 Security-* parsing against Sofia-SIP (bench_secparse), 5 start-up and
# save-config with 10,000 objects, and instructions per registration under
# callgrind (bench/callgrind.sh). Every daemon listens on 127.0.0.1 and is
# stopped by PID; traffic lasts DURATION seconds for figure 1 (split over
# its runs) and DURATION / 2 for figure 2.
# Env: DURATION (60), ROUNDS (2), USERS (20000), SEEDS (the source
# documents, /work/shared/seeds), FIGURES (1,2,3,4,5,cg), BUILDDIR (.).
# Missing Debian packages (kamailio, sip-tester, valgrind) are installed
# with apt-get when running as root. Prints the figures as they come, then
# one table; machine-readable lines start with `BENCH compare`.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
B=${BUILDDIR:-.}
DURATION=${DURATION:-60}
ROUNDS=${ROUNDS:-2}
USERS=${USERS:-20000}
SEEDS=${SEEDS:-/work/shared/seeds}
FIGURES=${FIGURES:-1,2,3,4,5,cg}
OUT=$(mktemp /tmp/bench-compare-XXXXXX)
trap 'rm -f "$OUT"' EXIT INT TERM

need() {  # command, Debian package
	command -v "$1" > /dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ]; then
		echo "installing $2 (Debian package) for the comparison"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" > /dev/null
	fi
	command -v "$1" > /dev/null 2>&1 || { echo "bench: $1 missing: apt-get install $2"; exit 1; }
}
need kamailio kamailio
need sipp sip-tester
need valgrind valgrind
# Kamailio's TLS module, for the (k-tls) run of figure 1.
KAM_TLS=/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so
if [ ! -e "$KAM_TLS" ] && [ "$(id -u)" = 0 ]; then
	echo "installing kamailio-tls-modules (Debian package) for the comparison"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q kamailio-tls-modules > /dev/null
fi
[ -e "$KAM_TLS" ] || { echo "bench: $KAM_TLS missing: apt-get install kamailio-tls-modules"; exit 1; }
has() { case ",$FIGURES," in *,"$1",*) return 0 ;; esac; return 1; }

# 20 runs of figure 1 (10 kinds x 2 rounds) share DURATION.
PER_RUN=$((DURATION / (10 * ROUNDS))); [ "$PER_RUN" -ge 1 ] || PER_RUN=1
APPLY=$((DURATION / 2)); [ "$APPLY" -ge 2 ] || APPLY=2
F=
has 1 && F="${F}1,"
has 2 && F="${F}2,"
has 5 && F="${F}5,"
if [ -n "$F" ]; then
	SBCEMU=${SBCEMU:-$B/sbcemu} "$B/bench/bench_compare" -F "$F" -s "$PER_RUN" -r "$ROUNDS" \
		-u "$USERS" -w "$APPLY" -B "$HERE" | tee -a "$OUT"
fi
if has 3; then
	echo; echo "== figure 3: established sec-agree associations (each size in its own process)"
	for n in 100000 1000000; do "$B/bench/bench_assoc" "$n" | tee -a "$OUT"; done
fi
if has 4; then
	echo; echo "== figure 4: Security-Client / -Server / -Verify parsing"
	if [ -x "$B/bench/bench_secparse" ]; then
		# shellcheck disable=SC2046
		"$B/bench/bench_secparse" -r 5 -m 400 $(ls "$SEEDS"/*.txt 2>/dev/null | grep -v README) |
			tee -a "$OUT"
	else
		echo "  skipped: configure did not find Sofia-SIP (apt-get install libsofia-sip-ua-dev, then re-run configure)"
	fi
fi
if has cg; then
	echo; echo "== callgrind: instructions per registration"
	sh "$HERE/callgrind.sh" "${SBCEMU:-$B/sbcemu}" | tee -a "$OUT"
fi

v() { awk -v k="$1" '$1 == "BENCH" && $2 == "compare" && $3 == k { x = $4 } END { print (x == "" ? "-" : x) }' "$OUT"; }
echo
echo "== summary ($(date -u +%Y-%m-%d), $(nproc) CPUs; ratios within one run)"
printf '%-58s %14s  %s\n' figure value target
row() { printf '%-58s %14s  %s\n' "$1" "$2" "$3"; }
has 1 && {
	row "1 (b)/(k) regs/s, test UE" "$(v fig1.rate.ue-b/ue-k)" ">= 1.0"
	row "1 (b-ecdsa)/(k) regs/s, test UE" "$(v fig1.rate.ue-b-ecdsa/ue-k)" "-"
	row "1 (b)/(k-tls) regs/s, test UE (both over TLS)" "$(v fig1.rate.ue-b/ue-k-tls)" "-"
	row "1 (a)/(k) regs/s, sipp" "$(v fig1.rate.sipp-a/sipp-k)" "-"
	row "1 (a)/(k-auth) regs/s, sipp" "$(v fig1.rate.sipp-a/sipp-k-auth)" "-"
	row "1 (a)/(k-auth) regs/s, test UE" "$(v fig1.rate.ue-a/ue-k-auth)" "-"
	row "1 (c)/(k) regs/s, test UE" "$(v fig1.rate.ue-c/ue-k)" "-"
	row "1 CPU/reg (k)/(a), sipp" "$(v fig1.cpu_per_reg.sipp-k/sipp-a)" "(>= 1: sbcemu cheaper)"
	row "1 CPU/reg (k-auth)/(a), sipp" "$(v fig1.cpu_per_reg.sipp-k-auth/sipp-a)" "-"
	row "1 CPU/reg (k)/(b), test UE" "$(v fig1.cpu_per_reg.ue-k/ue-b)" "-"
	row "1 CPU/reg (k-tls)/(b), test UE" "$(v fig1.cpu_per_reg.ue-k-tls/ue-b)" "-"
	row "1 calibration ue-a/sipp-a" "$(v fig1.rate.ue-a/sipp-a)" "-"
	row "1 failures sipp-a / ue-b / ue-c" "$(v fig1.failed.sipp-a)/$(v fig1.failed.ue-b)/$(v fig1.failed.ue-c)" "0"
}
has 2 && {
	row "2 failed registrations during applies" "$(v fig2.failed)" "0"
	row "2 activate-config round trip p99 (ms)" "$(v fig2.activate_rtt.p99)" "< 10"
	row "2 SIP apply logged by the daemon p99 (ms)" "$(v fig2.sip_apply_logged.p99)" "< 10"
}
has 3 && {
	row "3 bytes per association, 100k" "$(v fig3.bytes_per_assoc.100000)" "< 1024"
	row "3 bytes per association, 1M" "$(v fig3.bytes_per_assoc.1000000)" "< 1024"
	row "3 show one association among 1M (ms)" "$(v fig3.show_one.1000000)" "< 1"
	row "3 first page of the listing of 1M (ms)" "$(v fig3.first_page.1000000)" "-"
	row "3 full listing of 1M (ms)" "$(v fig3.show_all.1000000)" "-"
}
has 4 && row "4 headers/s sbcemu / Sofia-SIP" "$(v fig4.ratio)" ">= 2.0"
has 5 && {
	row "5 start with 10,000 objects (ms)" "$(v fig5.start)" "-"
	row "5 save-config with 10,000 objects (ms)" "$(v fig5.save_config)" "-"
}
has cg && {
	row "cg instructions/reg sbcemu (a), SIP path" "$(v callgrind.sip_path.sbcemu)" "-"
	row "cg instructions/reg Kamailio (k), SIP path" "$(v callgrind.sip_path.kamailio)" "-"
	row "cg instructions/reg Kamailio (k-auth), SIP path" "$(v callgrind.sip_path.kamailio-auth)" "-"
}
exit 0
