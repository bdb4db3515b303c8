#!/usr/bin/env bash
# Build the libFuzzer targets with clang (coverage, ASan, UBSan) into DIR
# (default fuzz/bin). Each target compiles the sources it exercises itself,
# so the fuzz build does not depend on the gcc build's flags.
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
	"$top"/security/sbc_sec_{digest,milenage,b64}.c "$top/core/sbc_log.c" "${libs[@]}"
echo "fuzz targets in $out: $(cd "$out" && echo fuzz_*)"
