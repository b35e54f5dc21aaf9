#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of the AFTR health supervisor's judgement
# (selftests/unit/aftr_health_test.c, user/aftr/health.h): rise, fall
# and hold-down round by round, on a clock the test drives.
#
#   [ aftr_health_test ]  rounds "+-+..." --> aftr_health_step() --> "F U H ."

. "$(dirname "$0")/../prog_lib.sh"

exec_test_prog aftr_health_test
