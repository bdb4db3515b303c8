#!/usr/bin/env bash
# The sbcemu program's command line: --help, --version, --verify-config on
# good and bad files, --print-xsd validating a saved file with xmllint, and a
# foreground start/stop on a fresh data directory.
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
expect "--verify-config accepts a good file" bash -c \
	"'$sbcemu' --data-dir '$tmp/none' --verify-config '$tmp/good.xml' | grep -q 'Verification successful'"
sed 's/tls-profile="tp"/tls-profile="x"/' "$tmp/good.xml" > "$tmp/dangling.xml"
expect "--verify-config reports a dangling reference" bash -c \
	"'$sbcemu' --data-dir '$tmp/none' --verify-config '$tmp/dangling.xml' 2>&1 | grep -q 'ERROR: sip-interface \[realm01\] has reference to tls-profile \[x\] which does not exist'"
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

echo "# sbcemu options: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
