#!/usr/bin/env bash
# Copy the demo images into DEST_DIR from the Debian packages that ship them,
# as listed in data/demo/images.tsv, and verify their sha256.
#
# usage: scripts/demo-images.sh DEST_DIR
#
# Idempotent: a file already in DEST_DIR with the right checksum is left as is.
# Exit status: 0 when every image is in place and verified; 1 when a source
# file is missing (the message names the package to apt-get install) or a
# checksum does not match; 2 on bad usage.
set -euo pipefail

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 DEST_DIR" >&2
    exit 2
fi
dest=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tsv=$root/data/demo/images.tsv

if [ ! -r "$tsv" ]; then
    echo "demo-images: cannot read $tsv" >&2
    exit 1
fi
if ! command -v sha256sum >/dev/null 2>&1; then
    echo "demo-images: sha256sum not found (apt-get install coreutils)" >&2
    exit 1
fi
mkdir -p "$dest"

status=0
copied=0
kept=0
missing_pkgs=""
line=0
while IFS=$'\t' read -r file_name package path sha256 width height licence credit || [ -n "${file_name:-}" ]; do
    line=$((line + 1))
    if [ "$line" -eq 1 ]; then
        continue # header
    fi
    if [ -z "$file_name" ]; then
        continue
    fi
    case $file_name in
        */* | .* )
            echo "demo-images: bad file name '$file_name' in $tsv line $line" >&2
            status=1
            continue ;;
    esac
    target=$dest/$file_name
    if [ -f "$target" ] && [ "$(sha256sum <"$target" | cut -d' ' -f1)" = "$sha256" ]; then
        kept=$((kept + 1))
        continue
    fi
    if [ ! -f "$path" ]; then
        echo "demo-images: missing $path (needed for $file_name);" \
             "install it with: apt-get install $package" >&2
        case " $missing_pkgs " in
            *" $package "*) ;;
            *) missing_pkgs="$missing_pkgs $package" ;;
        esac
        status=1
        continue
    fi
    tmp=$(mktemp "$dest/.${file_name}.XXXXXX")
    cp "$path" "$tmp"
    got=$(sha256sum <"$tmp" | cut -d' ' -f1)
    if [ "$got" != "$sha256" ]; then
        rm -f "$tmp"
        echo "demo-images: sha256 mismatch for $file_name from $path (package $package):" \
             "expected $sha256, got $got" >&2
        status=1
        continue
    fi
    chmod 0644 "$tmp"
    mv -f "$tmp" "$target"
    copied=$((copied + 1))
done <"$tsv"

if [ -n "$missing_pkgs" ]; then
    echo "demo-images: missing packages; run: apt-get install$missing_pkgs" >&2
fi
echo "demo-images: $copied copied, $kept already present, into $dest"
exit "$status"
