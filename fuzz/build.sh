#!/usr/bin/env bash
# Build the libFuzzer targets with clang (coverage, ASan, UBSan) into DIR
# (default fuzz/bin). The targets compile the sources they exercise
# themselves (the bigger two share archives built here), so the fuzz build
# does not depend on the gcc build's flags.
#   fuzz/build.sh [DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/fuzz/bin}
mkdir -p "$out"
cc=${CLANG:-clang}
flags=(-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-I"$top/config-schema" -I"$top/core" -I"$top/security" -I"$top/sip" -I"$top/cli"
	$(pkg-config --cflags libxml-2.0 openssl libosip2 zlib))
libs=($(pkg-config --libs libxml-2.0 openssl libosip2 zlib) -lpthread)
cfg_sources=("$top"/config-schema/sbc_cfg_{tables,value,default,xml,xsd,verify}.c
	"$top"/security/sbc_sec_{password,secret,b64}.c "$top"/core/sbc_log.c)

"$cc" "${flags[@]}" -o "$out/fuzz_config_xml" "$top/fuzz/fuzz_config_xml.c" "${cfg_sources[@]}" "${libs[@]}"
"$cc" "${flags[@]}" -o "$out/fuzz_secagree" "$top/fuzz/fuzz_secagree.c" "$top/sip/sbc_sip_secagree_hdr.c"
"$cc" "${flags[@]}" -o "$out/fuzz_digest" "$top/fuzz/fuzz_digest.c" \
	"$top"/security/sbc_sec_{digest,milenage,b64,evp}.c "$top/core/sbc_log.c" "${libs[@]}"

# The ACLI command tree and the P-CSCF are most of the product: compiled
# once (in parallel) into two archives, linked by the two targets.
objdir="$out/obj"
rm -rf "$objdir"
mkdir -p "$objdir/base" "$objdir/sip"
base=("$top"/config-schema/sbc_cfg_{tables,value,default,xml,xsd,verify,show,doc}.c
	"$top"/security/sbc_sec_*.c "$top"/core/sbc_core_*.c "$top"/core/sbc_log.c
	"$top"/cli/sbc_cli_{session,modes,element,select,toplevel,secret,show,pager,comphelp}.c)
jobs=0
compile() {  # DIR SOURCE...
	local dir=$1 src
	shift
	for src in "$@"; do
		"$cc" "${flags[@]}" -c -o "$dir/$(basename "$src" .c).o" "$src" &
		if (( ++jobs >= $(nproc) )); then
			wait -n
			jobs=$((jobs - 1))
		fi
	done
}
compile "$objdir/base" "${base[@]}"
compile "$objdir/sip" "$top"/sip/sbc_sip_*.c
while (( jobs > 0 )); do
	wait -n
	jobs=$((jobs - 1))
done
ar rcs "$objdir/libbase.a" "$objdir"/base/*.o
ar rcs "$objdir/libsip.a" "$objdir"/sip/*.o
"$cc" "${flags[@]}" -o "$out/fuzz_acli_line" "$top/fuzz/fuzz_acli_line.c" \
	"$objdir/libbase.a" -lcli "${libs[@]}"
"$cc" "${flags[@]}" -o "$out/fuzz_sip_message" "$top/fuzz/fuzz_sip_message.c" \
	"$objdir/libsip.a" "$objdir/libbase.a" -lcli "${libs[@]}"
echo "fuzz targets in $out: $(cd "$out" && echo fuzz_*)"
