# Shared by scripts/run and scripts/test: Debian packages and the build.
# shellcheck shell=bash

# Debian packages the library, tests and examples need.
ISINGGAN_PACKAGES=(cmake make g++ pkg-config libeigen3-dev xtensor-dev doctest-dev libbenchmark-dev
                   libopenblas-dev libpng-dev zlib1g-dev)

# Installs the packages in "$@" that are not installed yet. As root it runs
# apt-get; otherwise it prints the command to run and stops.
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "isinggan: missing Debian packages: ${missing[*]}" >&2
        echo "isinggan: install them with: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "isinggan: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine has no package lists yet; refresh them once.
    if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

# Like ensure_packages, for packages that only enable optional tests: as
# another user, missing ones are reported and skipped instead of stopping.
ensure_optional_packages() {
    if [ "$(id -u)" -ne 0 ]; then
        local pkg
        for pkg in "$@"; do
            dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
                echo "isinggan: optional package $pkg is missing: the tests that need it are not built" >&2
        done
        return 0
    fi
    ensure_packages "$@"
}

# Configures and builds into $ISINGGAN_BUILD_DIR (default: build/) with any extra CMake arguments.
configure_and_build() {
    local build_dir=${ISINGGAN_BUILD_DIR:-build}
    cmake -S "$ISINGGAN_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@"
    cmake --build "$build_dir" -j "$(nproc)"
}
