# SPDX-License-Identifier: GPL-2.0
#
# For host scripts that only run a C test program (selftests/unit/,
# selftests/bpf/): the program prints its own TAP and exit status, so this
# does not source lib.sh (which prints a TAP header of its own).

DSLITE_ROOT=${DSLITE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# exec_test_prog NAME: become build/tests/NAME (or $DSLITE_TEST_PROGS/NAME:
# the sanitizer build's, make check-sanitize); one failed check when it
# is not built
exec_test_prog() {
	local bin=${DSLITE_TEST_PROGS:-$DSLITE_ROOT/build/tests}/$1

	if [ ! -x "$bin" ]; then
		echo "TAP version 13"
		echo "not ok 1 $bin is not built (make tests)"
		echo "1..1"
		exit 1
	fi
	exec "$bin"
}
