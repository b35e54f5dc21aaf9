#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The anycast PTB relay (selftests/host/anycast_relay.sh, whose header
# draws the topology) on the VM's kernel: a kernel whose XDP programs
# may call bpf_xdp_adjust_meta() runs all of it, including the in-place
# upgrade of the relay's tc filter; where the host's kernel refuses it,
# the host run skips those checks and this run makes up for it.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../anycast_lib.sh"

require_root
anycast_modules || tap_skip_all "modules of the topology missing"
exec "$(dirname "$0")/../host/anycast_relay.sh"
