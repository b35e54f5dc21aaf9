# SPDX-License-Identifier: GPL-2.0
#
# The B4 daemon (user/b4/, built with the rest of dslitectl) and its
# demo:
#
#   make demo    install what is missing, build, boot the test VM and run
#                the failover demo (selftests/demo/), narrated

demo:
	$(Q)$(SRCTREE)/scripts/deps.sh
	$(Q)$(MAKE) all tests
	$(Q)$(SRCTREE)/selftests/demo/run.sh
