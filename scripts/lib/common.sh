# Shared by scripts/run and scripts/test: Debian packages and the build.
# shellcheck shell=bash

# Debian packages the library, tests and examples need.
ISINGGAN_PACKAGES=(cmake make g++ pkg-config libeigen3-dev xtensor-dev doctest-dev libbenchmark-dev
                   libopenblas-dev libpng-dev zlib1g-dev nlohmann-json3-dev libcli11-dev)

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
# Without a GPU the CUDA programs and tests could not run here: they are built
# as a compile check (ISINGGAN_CUDA_COMPILE_CHECK: one architecture, host code
# unoptimised), in less than half of nvcc's time. With a GPU they are built in full.
configure_and_build() {
    local build_dir=${ISINGGAN_BUILD_DIR:-build}
    local compile_check=OFF
    if ! nvidia-smi -L >/dev/null 2>&1; then compile_check=ON; fi
    cmake -S "$ISINGGAN_ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
          -DISINGGAN_CUDA_COMPILE_CHECK=$compile_check "$@"
    cmake --build "$build_dir" -j "$(nproc)"
}
