# SPDX-License-Identifier: GPL-2.0
#
# The metrics' HTTP endpoint (user/http.c): libmicrohttpd, or none.
#
#   HTTP=1   link libmicrohttpd (pkg-config libmicrohttpd): "b4 run ...
#            metrics ADDR:PORT" and "dslitectl metrics serve ADDR:PORT"
#            work. The default of the full build; an error when
#            libmicrohttpd-dev is missing.
#   HTTP=0   no HTTP server: both say that this build has none. The
#            default of the B4-only build (libmnl only, for CPEs; make b4
#            HTTP=1 adds it).
#
# Objects are rebuilt when HTTP changes ($(BUILD)/.http holds the value).

HTTP ?= $(if $(B4_ONLY),0,1)
override HTTP := $(if $(filter 1,$(HTTP)),1,0)

ifeq ($(HTTP),1)
HTTP_PC := $(shell pkg-config --exists libmicrohttpd 2>/dev/null && echo yes)
# (the targets that install the packages first build in a sub-make)
HTTP_NO_BUILD := clean deps help check check-host check-kernel demo
ifneq ($(HTTP_PC),yes)
ifneq ($(filter-out $(HTTP_NO_BUILD),$(or $(MAKECMDGOALS),all)),)
$(error HTTP=1 needs libmicrohttpd (apt-get install libmicrohttpd-dev, or scripts/deps.sh); build with HTTP=0 for no HTTP endpoint)
endif
endif
DSLITECTL_CFLAGS += -DDSLITE_HTTP $(shell pkg-config --cflags libmicrohttpd)
DSLITECTL_LIBS += $(shell pkg-config --libs libmicrohttpd)
endif

HTTP_STAMP := $(BUILD)/.http
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(HTTP_STAMP) 2>/dev/null)" = "$(HTTP)" ] || echo $(HTTP) >$(HTTP_STAMP); })
$(DSLITECTL_OBJS): $(HTTP_STAMP)
