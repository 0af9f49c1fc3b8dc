# SPDX-License-Identifier: GPL-2.0
# nfipsec: see README.md.
#   make [KDIR=...]     build nfipsec.ko against the running kernel (or KDIR)
#   make tools          build the nfipsec CLI
#   make check [T=a,b]  the whole test suite in the QEMU lab (T: only these
#                       KUnit suites / selftests / selfcheck)
#   make check-mutants  show that make check fails for each planted defect
#   make lab [RUN=...]  a lab guest: a shell, or RUN's script
#   make bench          nfipsec against Linux XFRM, non-debug lab kernel
#   make strongswan-plugin  the kernel-nfipsec charon plugin (tools/strongswan,
#                       issue 10; selftests/strongswan.sh runs it in the lab)
KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	@test -d "$(KDIR)" || { echo "No kernel build tree at $(KDIR): install the headers or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	@if test -d "$(KDIR)"; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C tools clean
	rm -rf build

tools:
	$(MAKE) -C tools

check:
	T='$(T)' selftests/lab/check.sh

check-mutants:
	selftests/lab/mutants.sh $(M)

lab:
ifeq ($(RUN),)
	selftests/lab/run.sh shell
else
	selftests/lab/run.sh script $(RUN)
endif

bench:
	NFIPSEC_LAB_FLAVOUR=bench selftests/lab/run.sh script selftests/bench.sh

strongswan-plugin:
	$(MAKE) -C tools/strongswan

.PHONY: all modules modules_install clean tools check check-mutants lab bench \
	strongswan-plugin
