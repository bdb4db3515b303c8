#!/usr/bin/env bash
# The sbcemu program's command line: --help, --version, --verify-config on
# good and bad files, --print-xsd validating a saved file with xmllint, a
# foreground start/stop on a fresh data directory, and a --config file that
# cannot be applied leaving the data directory's configuration as it was.
set -u
sbcemu="${SBC_TEST_BUILDDIR:-.}/sbcemu"
xmllint="${XMLLINT:-xmllint}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
expect() { # expect DESCRIPTION COMMAND... : the command must succeed
	local what=$1
	shift
	if "$@"; then ok; else fail "$what"; fi
}

expect "--help names the options" bash -c "'$sbcemu' --help | grep -q -- '--data-dir DIR'"
expect "--help names the console" bash -c "'$sbcemu' --help | grep -q 'sbcemu console'"
expect "--version prints the version" bash -c "'$sbcemu' --version | grep -Eq '^sbcemu [0-9]+\.[0-9]+'"
expect "an unknown option is refused" bash -c "! '$sbcemu' --bogus 2>/dev/null"
expect "an unknown log level is refused" bash -c "! '$sbcemu' --log-level loud 2>/dev/null"

cat > "$tmp/good.xml" <<'XML'
<sbcemu-config version="4">
  <realm-config identifier="realm01"/>
  <sip-interface realm-id="realm01" sec-agree-feature="enabled" sec-agree-pref="tls">
    <sip-port address="127.0.0.1" port="5061" transport-protocol="TLS" tls-profile="tp"/>
  </sip-interface>
  <tls-profile name="tp"/>
</sbcemu-config>
XML
expect "--verify-config accepts a good file, naming it" bash -c \
	"'$sbcemu' --data-dir '$tmp/none' --verify-config '$tmp/good.xml' | grep -qx '$tmp/good.xml: Verification successful! No errors nor warnings in the configuration'"
sed 's/tls-profile="tp"/tls-profile="x"/' "$tmp/good.xml" > "$tmp/dangling.xml"
expect "--verify-config reports a dangling reference with file, line, element and attribute" bash -c \
	"'$sbcemu' --data-dir '$tmp/none' --verify-config '$tmp/dangling.xml' 2>&1 | grep -qx '$tmp/dangling.xml:4: sip-port: tls-profile: ERROR: sip-interface \[realm01\] has reference to tls-profile \[x\] which does not exist'"
expect "--verify-config fails on a dangling reference" bash -c \
	"! '$sbcemu' --data-dir '$tmp/none' --verify-config '$tmp/dangling.xml' 2>/dev/null"
sed 's/sec-agree-pref="tls"/sec-agree-pref="ssl"/' "$tmp/good.xml" > "$tmp/enum.xml"
expect "--verify-config names file, line, element and attribute" bash -c \
	"'$sbcemu' --data-dir '$tmp/none' --verify-config '$tmp/enum.xml' 2>&1 | grep -q 'enum.xml:3: sip-interface: invalid sec-agree-pref .ssl.'"
[ ! -e "$tmp/none" ] && ok || fail "--verify-config created the data directory"

"$sbcemu" --print-xsd > "$tmp/sbcemu-config.xsd"
expect "xmllint accepts the hand-written file" "$xmllint" --noout --schema "$tmp/sbcemu-config.xsd" "$tmp/good.xml"
expect "xmllint rejects a bad enum" bash -c "! '$xmllint' --noout --schema '$tmp/sbcemu-config.xsd' '$tmp/enum.xml' 2>/dev/null"
"$sbcemu" --print-reference > "$tmp/ref.md"
expect "--print-reference documents sec-agree-pref" grep -q '^| sec-agree-pref |' "$tmp/ref.md"

# A foreground start on a fresh data directory writes saved and running,
# which xmllint accepts, and SIGTERM stops it cleanly.
cat > "$tmp/boot.xml" <<'XML'
<sbcemu-config><management-access telnet-state="disabled" ssh-state="disabled"/></sbcemu-config>
XML
"$sbcemu" --foreground --data-dir "$tmp/data" --config "$tmp/boot.xml" 2> "$tmp/log" &
pid=$!
for _ in $(seq 1 100); do grep -q 'ready' "$tmp/log" 2>/dev/null && break; sleep 0.1; done
expect "the daemon logs ready" grep -q 'ready' "$tmp/log"
expect "xmllint accepts the saved file" "$xmllint" --noout --schema "$tmp/sbcemu-config.xsd" "$tmp/data/config/saved.xml"
expect "xmllint accepts the running file" "$xmllint" --noout --schema "$tmp/sbcemu-config.xsd" "$tmp/data/config/running.xml"
kill -TERM "$pid"
wait "$pid"
expect "SIGTERM stops the daemon with status 0" test $? -eq 0

# A --config file that verifies but cannot be prepared (a trusted CA whose
# certificate file is missing) stops the start with the reason, and leaves
# saved.xml and running.xml byte for byte as the last good boot wrote them;
# a plain start then runs that configuration again.
boot() { # boot LOG [OPTION]...: start in the foreground, wait for ready, stop
	local log=$1
	shift
	"$sbcemu" --foreground --data-dir "$tmp/keep" "$@" 2> "$log" &
	local pid=$! i
	for i in $(seq 1 100); do grep -q 'ready' "$log" 2>/dev/null && break; sleep 0.1; done
	grep -q 'ready' "$log" || { kill -TERM "$pid"; wait "$pid"; return 1; }
	kill -TERM "$pid"
	wait "$pid"
}
cat > "$tmp/keep.xml" <<'XML'
<sbcemu-config version="3">
  <system-config hostname="KEEP"/>
  <management-access telnet-state="disabled" ssh-state="disabled"/>
</sbcemu-config>
XML
cat > "$tmp/noca.xml" <<'XML'
<sbcemu-config version="9">
  <system-config hostname="NOCA"/>
  <realm-config identifier="realm01"/>
  <certificate-record name="ca"/>
  <tls-profile name="tp" trusted-ca-certificates="ca" mutual-authenticate="enabled"/>
  <sip-interface realm-id="realm01">
    <sip-port address="127.0.0.1" port="45061" transport-protocol="TLS" tls-profile="tp"/>
  </sip-interface>
  <management-access telnet-state="disabled" ssh-state="disabled"/>
</sbcemu-config>
XML
expect "a good --config boots" boot "$tmp/keep.log" --config "$tmp/keep.xml"
cp -p "$tmp/keep/config/saved.xml" "$tmp/saved.before"
cp -p "$tmp/keep/config/running.xml" "$tmp/running.before"
"$sbcemu" --foreground --data-dir "$tmp/keep" --config "$tmp/noca.xml" 2> "$tmp/noca.log"
expect "a --config file that cannot be prepared fails the start" test $? -ne 0
expect "the failure names the tls-profile and the missing file" grep -q \
	"cannot start: tls-profile \[tp\] has trusted-ca-certificates \[ca\]: cannot read the certificate $tmp/keep/tls/ca.crt" "$tmp/noca.log"
expect "the failure says the data directory is unchanged" grep -q \
	"noca.xml not applied: the configuration in $tmp/keep is unchanged" "$tmp/noca.log"
expect "saved.xml is unchanged" cmp -s "$tmp/saved.before" "$tmp/keep/config/saved.xml"
expect "running.xml is unchanged" cmp -s "$tmp/running.before" "$tmp/keep/config/running.xml"
expect "a plain start after it works" boot "$tmp/plain.log"
expect "a plain start runs the last good configuration" \
	grep -q "running configuration version 3 from" "$tmp/plain.log"

echo "# sbcemu options: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
