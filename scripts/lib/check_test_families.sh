# Compares the tests CTest has registered in a build folder with the committed
# list of test families (tests/families.txt) and fails, naming the family, when
# one has no test: a check that silently disappears is worse than a red one.
# usage: check_test_families BUILD_DIR
# shellcheck shell=bash
check_test_families() {
    local build_dir=$1 families=$ISINGGAN_ROOT/tests/families.txt
    local registered missing=0 family regex condition value
    if [ ! -r "$families" ]; then
        echo "isinggan: cannot read $families (ISINGGAN_ROOT is '$ISINGGAN_ROOT')" >&2
        return 1
    fi
    # Placeholders (label `placeholder`: a test that only says why a family is missing) count for none.
    registered=$(ctest --test-dir "$build_dir" -N -LE '^placeholder$' | sed -n 's/^ *Test *#[0-9]*: //p')
    while IFS='|' read -r family regex condition; do
        family=$(echo "$family" | xargs)
        [ -z "$family" ] || [ "${family:0:1}" = "#" ] && continue
        regex=$(echo "$regex" | sed 's/^ *//; s/ *$//')
        condition=$(echo "$condition" | xargs)
        if [ -n "$condition" ]; then
            value=$(sed -n "s/^$condition:[A-Z]*=//p" "$build_dir/CMakeCache.txt")
            case "$value" in ON|TRUE|1|YES) ;; *) continue ;; esac
        fi
        if ! grep -Eq -- "$regex" <<<"$registered"; then
            echo "isinggan: test family '$family' has no registered test (no CTest name matches '$regex'; see tests/families.txt)" >&2
            missing=1
        fi
    done <"$families"
    [ "$missing" -eq 0 ] && echo "isinggan: every test family in tests/families.txt has tests"
    return "$missing"
}
